using System.Management.Automation;
using PSRnn.Engine.Interpretation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Attributes a model's prediction to the steps and features of its input, as Captum does.</para>
/// <para type="description">Returns one RnnAttribution: Attributions, a float32 tensor (samples, time steps, features)
/// saying how much each input value drove the output f(x) = y[target] (a probability for a softmax model), and per
/// sample the Target attributed (each sample's predicted class unless -Target is given), Output f(x) and, for
/// integrated gradients, BaselineOutput f(baseline) and ConvergenceDelta, Σ attributions − (f(x) − f(baseline)).
/// The methods are Captum's: Saliency |∂f/∂x| (-Signed keeps the sign); GradientTimesInput x ⊙ ∂f/∂x;
/// IntegratedGradients (x − x′) ⊙ the mean gradient along the straight path from the baseline x′ (zeros by default,
/// which a Masking layer reads as padding) to x, over -Steps points (50) of -Integration GaussLegendre (Captum's
/// default) or RiemannTrapezoid, RiemannLeft, RiemannRight, RiemannMiddle; Occlusion sets windows of -Window steps
/// (every feature), every -Stride steps, to the baseline and gives each value the mean drop of f over the windows
/// covering it. The gradients come from the engine's own backward pass, not from finite differences. The model must
/// take feature sequences (not token ids) and return one output vector per sample.</para>
/// <para type="description">StepSeconds is the frame hop when the model carries its audio recipe, for
/// Export-RnnAttributionPlot's time axis.</para>
/// </summary>
/// <example>
///   <code>
///     $attr = $model | Measure-RnnAttribution -X $xTest[0..3] -Method IntegratedGradients -Steps 64
///     $attr.ConvergenceDelta
///     $attr | Export-RnnAttributionPlot ./why.png -Sample 0
///   </code>
///   <para>Integrated gradients of four test samples' predicted classes, their completeness errors, and a heat map of
///   the first one.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $attr = $model | Measure-RnnAttribution -X $x -Target 2 -Method IntegratedGradients -Steps 32
///     $attr.Attributions.Shape    # 8, 6, 2
///     $attr.ConvergenceDelta      # near 0: the attributions add up to f(x) − f(0)
///   </code>
///   <para>Runs as written: how each step and feature of eight sequences moves an untrained model's class 2.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Measure, "RnnAttribution")]
[OutputType(typeof(RnnAttribution))]
public sealed class MeasureRnnAttributionCommand : ModelInputCommandBase
{
    /// <summary>
    /// <para type="description">The method: IntegratedGradients (the default), Saliency, GradientTimesInput or Occlusion.</para>
    /// </summary>
    [Parameter]
    public AttributionMethod Method { get; set; } = AttributionMethod.IntegratedGradients;

    /// <summary>
    /// <para type="description">The output to attribute: one index for every sample, or one per sample; by default each
    /// sample's predicted class (argmax; a single output is output 0).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public long[]? Target { get; set; }

    /// <summary>
    /// <para type="description">The baseline x′ of integrated gradients and occlusion: a number for every value (0 by
    /// default), a tensor shaped like one sample (time steps, features), or like -X.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public object? Baseline { get; set; }

    /// <summary>
    /// <para type="description">Integrated gradients' points along the path (Captum's n_steps, 50).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 100_000)]
    public int Steps { get; set; } = 50;

    /// <summary>
    /// <para type="description">Integrated gradients' rule: GaussLegendre (Captum's default), RiemannTrapezoid, RiemannLeft, RiemannRight or RiemannMiddle.</para>
    /// </summary>
    [Parameter]
    public IntegrationMethod Integration { get; set; } = IntegrationMethod.GaussLegendre;

    /// <summary>
    /// <para type="description">Occlusion's window, in time steps (1 by default).</para>
    /// </summary>
    [Parameter]
    public int Window { get; set; } = 1;

    /// <summary>
    /// <para type="description">Occlusion's stride, in time steps (1 by default); at most -Window.</para>
    /// </summary>
    [Parameter]
    public int Stride { get; set; } = 1;

    /// <summary>
    /// <para type="description">Saliency keeps the gradient's sign instead of its absolute value (Captum's abs=False).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Signed { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        if (Model.InTraining)
        {
            ThrowTerminatingError(Errors.Create("AttributionModelInTraining", ErrorCategory.InvalidOperation, Model,
                $"Model '{Model.Name}' is being trained: attributions use its gradient buffers; measure them after the run."));
        }

        bool occlusion = Method == AttributionMethod.Occlusion;
        if (!occlusion && (MyInvocation.BoundParameters.ContainsKey(nameof(Window)) || MyInvocation.BoundParameters.ContainsKey(nameof(Stride))))
        {
            ThrowTerminatingError(Errors.Create("AttributionWindowNeedsOcclusion", ErrorCategory.InvalidArgument, Window,
                "-Window and -Stride say which steps Occlusion hides together: give them with -Method Occlusion."));
        }

        Dataset data = ModelData.Create(this, Model, X, null);
        var options = new AttributionOptions
        {
            Method = Method,
            Targets = Target,
            Steps = Steps,
            Integration = Integration,
            Absolute = !Signed,
            Window = Window,
            Stride = Stride,
            BatchSize = BatchSize,
        };
        options = WithBaseline(options);
        AttributionResult result;
        try
        {
            using ComputeThreads.Scope threads = ComputeThreads.Use(ThreadCount);
            result = Attribution.Compute(Model, data, options);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, X));
            return;
        }

        var tensor = new Tensor(result.Values, result.Count, result.Time, result.Features);
        WriteObject(new RnnAttribution(Method.ToString(), tensor, result.Targets, result.Outputs, result.BaselineOutputs,
            result.ConvergenceDelta, Method == AttributionMethod.IntegratedGradients ? Steps : null, StepTime.Of(Model)));
    }

    private AttributionOptions WithBaseline(AttributionOptions options)
    {
        object? given = TensorArgument.Unwrap(Baseline);
        if (given is null)
        {
            return options;
        }

        if (given is IConvertible and not string && !given.GetType().IsArray)
        {
            double value;
            try
            {
                value = Convert.ToDouble(given, System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is FormatException or InvalidCastException or OverflowException)
            {
                value = double.NaN;
            }

            if (!double.IsFinite(value))
            {
                ThrowTerminatingError(Errors.Create("AttributionBaselineInvalid", ErrorCategory.InvalidArgument, Baseline,
                    $"-Baseline {given} is not a finite number; give a number, or a tensor shaped like one sample or like -X."));
            }

            return options with { BaselineValue = (float)value };
        }

        Tensor tensor;
        try
        {
            tensor = TensorArgument.Convert(given, DType.Float32, out _);
        }
        catch (Exception e) when (e is ArgumentException or InvalidCastException or FormatException or Engine.Data.DataFormatException)
        {
            ThrowTerminatingError(Errors.Create("AttributionBaselineInvalid", ErrorCategory.InvalidArgument, Baseline,
                $"-Baseline is not a number or a tensor: {Errors.Describe(e)}", e));
            return options;
        }

        return options with { Baseline = tensor.ToSingleArray(out _) };
    }
}
