namespace PSRnn.Engine.Layers;

/// <summary>
/// A layer's saved Keras config as its class reads it back (the counterpart of what <see cref="Layer.GetConfig"/>
/// writes), so a layer type owns both directions of its keys. A missing key takes the fallback (Keras's default); a
/// value of the wrong kind or outside what PSRnn knows throws <see cref="Serialization.ModelConfigException"/>
/// naming where in the file it is.
/// </summary>
internal interface ILayerConfig
{
    /// <summary>The saved layer name, or null when there is none.</summary>
    string? Name { get; }

    /// <summary>An integer; without a fallback the key is required.</summary>
    int Int(string key, int? fallback = null);

    /// <summary>A float; without a fallback the key is required.</summary>
    float Float(string key, float? fallback = null);

    /// <summary>A float, or null when the key is absent or null.</summary>
    float? OptionalFloat(string key);

    /// <summary>A boolean.</summary>
    bool Bool(string key, bool fallback);

    /// <summary>An activation by its Keras name.</summary>
    ActivationKind Activation(string key, string fallback);

    /// <summary>An initializer by its Keras name (one of <see cref="Initializers.Names"/>).</summary>
    string Initializer(string key, string fallback);
}
