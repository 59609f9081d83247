using System.Management.Automation;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;
using PSRnn.Models;
using PSRnn.Plotting;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Saves a recurrent layer's gate traces over time (from Get-RnnActivation) as a PNG.</para>
/// <para type="description">Draws, for one sample, a panel per gate or state (h, i, f, g, o, c for an LSTM; h, z, r, n
/// for a GRU; forward_… and backward_… for a Bidirectional layer), in two columns, with a line per unit of -Unit (the
/// first four by default) over time: seconds when the model carries its audio recipe, steps otherwise. -Gate picks the
/// panels. The write is atomic, an existing file is replaced only with -Force, and -WhatIf and -Confirm work as
/// usual.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Get-RnnActivation -X $xTest -Layer lstm | Export-RnnActivationPlot ./gates.png -Sample 2 -Gate f, c -Unit 0, 5
///   </code>
///   <para>The forget gate and cell state of units 0 and 5 over the third test sample.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $model | Get-RnnActivation -X $x -Layer 0 | Export-RnnActivationPlot ./gates.png -PassThru
///   </code>
///   <para>Runs as written: h, z, r and n of an untrained GRU's four units over the first sequence.</para>
/// </example>
[Cmdlet(VerbsData.Export, "RnnActivationPlot", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnActivationPlotCommand : ExportFileCommandBase
{
    /// <summary>
    /// <para type="description">The activations: Get-RnnActivation's result, which binds from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnActivation Activation { get; set; } = null!;

    /// <summary>
    /// <para type="description">The sample to draw (0, the first, by default).</para>
    /// </summary>
    [Parameter]
    public int Sample { get; set; }

    /// <summary>
    /// <para type="description">The gates and states to draw, by name (h, i, f, g, o, c, z, r, n, forward_f, …); by default all.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? Gate { get; set; }

    /// <summary>
    /// <para type="description">The units drawn, a line each (by default the first four).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public int[]? Unit { get; set; }

    /// <summary>
    /// <para type="description">The image width in pixels (1000 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Width { get; set; } = 1000;

    /// <summary>
    /// <para type="description">The image height in pixels (800 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Height { get; set; } = 800;

    /// <summary>
    /// <para type="description">The title (by default the layer's name and the sample).</para>
    /// </summary>
    [Parameter]
    public string? Title { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Activation.Gates.Count == 0)
        {
            ThrowTerminatingError(Errors.Create("ActivationPlotNoGates", ErrorCategory.InvalidArgument, Activation,
                $"Layer '{Activation.Layer}' is not recurrent: it has no gates to trace. Give Get-RnnActivation a recurrent layer."));
        }

        var first = (Tensor)Activation.Gates[0]!;
        int n = first.Shape[0], time = first.Shape[1], units = first.Shape[2];
        if (Sample < 0 || Sample >= n)
        {
            ThrowTerminatingError(Errors.Create("ActivationPlotSampleOutOfRange", ErrorCategory.InvalidArgument, Sample,
                $"-Sample {Sample} is not one of the {n} samples (0 to {n - 1})."));
        }

        int[] shown = Unit ?? [.. Enumerable.Range(0, Math.Min(4, units))];
        if (shown.FirstOrDefault(u => u < 0 || u >= units, -1) is int bad and not -1)
        {
            ThrowTerminatingError(Errors.Create("ActivationPlotUnitOutOfRange", ErrorCategory.InvalidArgument, bad,
                $"-Unit {bad} is not a unit of layer '{Activation.Layer}': it has {units} (0 to {units - 1})."));
        }

        var traces = new List<(string, float[])>();
        foreach (string name in Gate ?? [.. Activation.Gates.Keys.Cast<string>()])
        {
            if (Activation.Gates[name] is not Tensor tensor)
            {
                ThrowTerminatingError(Errors.Create("ActivationPlotGateNotFound", ErrorCategory.ObjectNotFound, name,
                    $"Layer '{Activation.Layer}' has no gate '{name}'. Its gates: {string.Join(", ", Activation.Gates.Keys.Cast<string>())}."));
                return;
            }

            traces.Add((name, tensor.ToSingleArray(out _).AsSpan(Sample * time * units, time * units).ToArray()));
        }

        string file = ResolveTarget();
        bool exists = PathResolver.CheckWriteTarget(this, file, Force);
        if (!ShouldProcess(file, $"Save the gate traces of sample {Sample}" + (exists ? ", replacing the file" : "")))
        {
            return;
        }

        string title = string.IsNullOrWhiteSpace(Title) ? $"{Activation.Layer}, sample {Sample}" : Title;
        PlotWriter.Write(this, file, Force, () => ActivationPlot.RenderPng(traces, time, units, shown, Activation.StepSeconds, title, Width, Height),
            "ActivationPlot");
        WritePassThru(file);
    }
}
