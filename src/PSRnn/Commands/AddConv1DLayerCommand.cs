using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Adds a 1-D convolution over the time steps (Keras Conv1D), a front end before recurrent
/// layers.</para>
/// <para type="description">Slides -KernelSize steps of the input's features through -Filters learnt filters, giving
/// (samples, steps', filters): with -Padding Valid (the default) only where the kernel fits, Same ceil(steps / strides)
/// steps (zero padding split as TensorFlow does), Causal zeros before the first step so that each output sees only the
/// steps up to its own (for streams and forecasting). -Strides skips steps between outputs (shortening the sequence
/// the recurrent layers run over); -DilationRate spaces the kernel's taps (with -Strides 1). Weights are Keras's
/// kernel (kernel_size, features, filters) and bias (filters). As Keras 3's convolutions it drops a mask: padding
/// steps are convolved as the zeros they hold. A sequence shorter than the kernel's span is an error
/// (ConvInputTooShort).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 100, 13 -Seed 1 | Add-Conv1DLayer 32 5 -Strides 2 -Padding Same -Activation relu |
///         Add-GruLayer 32 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>MFCC frames through a strided convolution (100 frames become 50) before a GRU classifier.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     New-RnnModel -InputShape 0, 1 | Add-Conv1DLayer 8 2 -Padding Causal -DilationRate 4 | Add-LstmLayer 16 | Add-DenseLayer 1
///   </code>
///   <para>A causal dilated convolution on a univariate series, then an LSTM forecaster.</para>
/// </example>
[Cmdlet(VerbsCommon.Add, "Conv1DLayer")]
[OutputType(typeof(PSRnn.Engine.Models.Sequential))]
public sealed class AddConv1DLayerCommand : AddLayerCommandBase
{
    /// <summary>
    /// <para type="description">The number of filters: the output's features (Keras's filters).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateRange(1, 1 << 20)]
    public int Filters { get; set; }

    /// <summary>
    /// <para type="description">The steps one filter spans (Keras's kernel_size).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateRange(1, 1 << 16)]
    public int KernelSize { get; set; }

    /// <summary>
    /// <para type="description">Steps between outputs (Keras's strides; default 1).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 16)]
    public int Strides { get; set; } = 1;

    /// <summary>
    /// <para type="description">Valid (default), Same or Causal (Keras's padding).</para>
    /// </summary>
    [Parameter]
    public Conv1DPadding Padding { get; set; } = Conv1DPadding.Valid;

    /// <summary>
    /// <para type="description">Steps between the kernel's taps (Keras's dilation_rate; default 1; with -Strides 1 only).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 16)]
    public int DilationRate { get; set; } = 1;

    /// <summary>
    /// <para type="description">The activation (Keras name; default linear).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(ActivationCompleter))]
    public string Activation { get; set; } = "linear";

    /// <summary>
    /// <para type="description">Whether the layer has a bias (default true).</para>
    /// </summary>
    [Parameter]
    public bool UseBias { get; set; } = true;

    /// <inheritdoc />
    protected override Layer CreateLayer()
    {
        if (Strides > 1 && DilationRate > 1)
        {
            ThrowTerminatingError(Errors.Create("ConvStridesWithDilation", ErrorCategory.InvalidArgument, DilationRate,
                "-Strides above 1 with -DilationRate above 1 is not supported (Keras refuses it too): give one of them."));
        }

        return new Conv1D(Filters, KernelSize, Strides, Padding, DilationRate, ActivationArgument.Parse(this, Activation, nameof(Activation)), UseBias, Name);
    }
}
