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
/// a single sigmoid output. -Sample draws class indices at random instead, as text generators do: each row's class is
/// drawn from softmax(log(p) / Temperature), i.e. with weights p^(1/Temperature). -Temperature 1 (the default) samples
/// the model's own distribution, values below 1 sharpen it towards the most probable class (0 is argmax, as -Class),
/// values above 1 flatten it. Giving -Temperature or -Seed implies -Sample. The same -Seed gives the same draws; when
/// generating step by step, change the seed at every step (-Seed ($seed + $step)) or the draws repeat. Sampling needs a
/// softmax or sigmoid last layer. Sampled indices have the shape -Class gives: (samples), or (samples, time steps) for
/// per-step outputs.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Invoke-RnnPrediction -X $xTest -Class
///   </code>
///   <para>The predicted class of each test sample, as np.argmax(model.predict(x), axis=-1).</para>
/// </example>
/// <example>
///   <code>
///     $next = $model | Invoke-RnnPrediction -X $window -Sample -Temperature 0.8 -Seed ($seed + $step)
///     $next.GetValue(0, -1)
///   </code>
///   <para>For a character model with per-step softmax outputs: draws the next character of every step at temperature
///   0.8 and takes the last step's, as Keras's text-generation example's sample(preds, 0.8).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $model | Invoke-RnnPrediction -X $x              # (8, 3) probabilities
///     $model | Invoke-RnnPrediction -X $x -Class       # (8,) class indices
///   </code>
///   <para>Runs as written: the outputs of an (untrained) model for eight sequences.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "RnnPrediction", DefaultParameterSetName = ProbabilitiesSet)]
[OutputType(typeof(Tensor))]
public sealed class InvokeRnnPredictionCommand : ModelInputCommandBase
{
    private const string ProbabilitiesSet = "Probabilities";
    private const string ClassSet = "Class";
    private const string SampleSet = "Sample";

    /// <summary>
    /// <para type="description">Returns class indices (int64) instead of probabilities.</para>
    /// </summary>
    [Parameter(ParameterSetName = ClassSet)]
    public SwitchParameter Class { get; set; }

    /// <summary>
    /// <para type="description">Returns class indices (int64) drawn at random from the predicted probabilities, at
    /// -Temperature.</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    public SwitchParameter Sample { get; set; }

    /// <summary>
    /// <para type="description">The sampling temperature T, 0 or more (default 1): classes are drawn with weights
    /// p^(1/T); 0 is argmax. Implies -Sample.</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    public double Temperature { get; set; } = 1.0;

    /// <summary>
    /// <para type="description">Seeds the draws of -Sample, so the same seed gives the same classes; by default they
    /// differ run to run. Implies -Sample.</para>
    /// </summary>
    [Parameter(ParameterSetName = SampleSet)]
    public ulong? Seed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        // -Temperature or -Seed alone select the Sample set; an explicit -Sample:$false still means probabilities.
        bool sampling = ParameterSetName == SampleSet && !(MyInvocation.BoundParameters.ContainsKey(nameof(Sample)) && !Sample);
        if (sampling)
        {
            CheckSampling();
        }

        Dataset data = ModelData.Create(this, Model, X, null);
        float[] outputs;
        try
        {
            outputs = Trainer.Predict(Model, data, BatchSize, ThreadCount);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        SampleShape shape = Model.OutputShape;
        // Steps come from the outputs, not the input: token ids into an Embedding arrive as (N, T) with one "step".
        int[] dims = shape.IsSequence ? [data.Count, outputs.Length / (data.Count * shape.Features), shape.Features] : [data.Count, shape.Features];
        if (sampling)
        {
            long[] drawn;
            try
            {
                drawn = Sampling.Sample(outputs, shape.Features, Temperature, new Rng(Seed ?? Rng.NewSeed()));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, Sampling.BadProbabilitiesErrorId, ErrorCategory.InvalidResult, Model));
                return;
            }

            WriteObject(new Tensor(drawn, dims[..^1]));
            return;
        }

        if (!Class)
        {
            WriteObject(new Tensor(outputs, dims));
            return;
        }

        WriteObject(new Tensor(Trainer.ToClasses(outputs, shape.Features), dims[..^1]));
    }

    /// <summary>Refuses a bad temperature, and outputs that are not probabilities, before any work.</summary>
    private void CheckSampling()
    {
        if (!double.IsFinite(Temperature) || Temperature < 0)
        {
            ThrowTerminatingError(Errors.Create(Sampling.BadTemperatureErrorId, ErrorCategory.InvalidArgument, Temperature,
                $"-Temperature {Temperature}: give 0 (argmax) or more; 1 samples the model's own distribution."));
        }

        // Sampling reads the outputs as probabilities: only a softmax or sigmoid output layer makes them.
        if (Model.Layers[^1] is not Dense { Activation: ActivationKind.Softmax or ActivationKind.Sigmoid })
        {
            ThrowTerminatingError(Errors.Create(Sampling.BadProbabilitiesErrorId, ErrorCategory.InvalidOperation, Model,
                "-Sample draws classes from probabilities, but the model's last layer is not a Dense layer with a softmax or sigmoid activation. Add one (Add-DenseLayer n -Activation softmax)."));
        }
    }
}
