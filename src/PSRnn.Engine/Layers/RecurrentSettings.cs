namespace PSRnn.Engine.Layers;

/// <summary>
/// The Keras settings every recurrent layer shares (Keras's RNN and cell arguments): what a layer's twin copies and
/// what a saved config gives back, in one place for every cell.
/// </summary>
/// <param name="Units">The state size U.</param>
/// <param name="ReturnSequences">Keras's return_sequences.</param>
/// <param name="GoBackwards">Keras's go_backwards.</param>
/// <param name="Dropout">Keras's dropout on the inputs.</param>
/// <param name="RecurrentDropout">Keras's recurrent_dropout.</param>
/// <param name="Activation">Keras's activation (tanh by default).</param>
/// <param name="UseBias">Keras's use_bias.</param>
/// <param name="KernelInitializer">Keras's kernel_initializer.</param>
/// <param name="RecurrentInitializer">Keras's recurrent_initializer.</param>
/// <param name="BiasInitializer">Keras's bias_initializer.</param>
/// <param name="Name">The layer name, or null for the model to assign one.</param>
internal readonly record struct RecurrentSettings(int Units, bool ReturnSequences, bool GoBackwards, float Dropout,
    float RecurrentDropout, ActivationKind Activation, bool UseBias, string KernelInitializer, string RecurrentInitializer,
    string BiasInitializer, string? Name)
{
    /// <summary>The shared keys of a saved config, with Keras's defaults for the missing ones.</summary>
    public static RecurrentSettings Read(ILayerConfig config) => new(
        config.Int("units"),
        config.Bool("return_sequences", false),
        config.Bool("go_backwards", false),
        config.Float("dropout", 0f),
        config.Float("recurrent_dropout", 0f),
        config.Activation("activation", "tanh"),
        config.Bool("use_bias", true),
        config.Initializer("kernel_initializer", "glorot_uniform"),
        config.Initializer("recurrent_initializer", "orthogonal"),
        config.Initializer("bias_initializer", "zeros"),
        config.Name);
}
