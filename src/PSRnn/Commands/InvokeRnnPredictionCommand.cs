using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Runs a model on samples, as Keras's model.predict.</para>
/// <para type="description">Returns the model's outputs for every sample as a float32 tensor: probabilities for a softmax
/// or sigmoid output, values otherwise; (samples, outputs), or (samples, time steps, outputs) when the last layer works on
/// every step. -Class returns class indices instead: the most probable class (argmax), or 0/1 at the 0.5 threshold for
/// a single sigmoid output.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Invoke-RnnPrediction -X $xTest -Class
///   </code>
///   <para>The predicted class of each test sample, as np.argmax(model.predict(x), axis=-1).</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnPrediction")]
[OutputType(typeof(Tensor))]
public sealed class InvokeRnnPredictionCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The samples.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">Returns class indices (int64) instead of probabilities.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Class { get; set; }

    /// <summary>
    /// <para type="description">Samples per forward pass (default 32).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int BatchSize { get; set; } = 32;

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        Dataset data = ModelData.Create(this, Model, X, null);
        float[] outputs;
        try
        {
            outputs = Trainer.Predict(Model, data, BatchSize);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        SampleShape shape = Model.OutputShape;
        int[] dims = shape.IsSequence ? [data.Count, data.Time, shape.Features] : [data.Count, shape.Features];
        if (!Class)
        {
            WriteObject(new Tensor(outputs, dims));
            return;
        }

        WriteObject(new Tensor(Trainer.ToClasses(outputs, shape.Features), dims[..^1]));
    }
}
