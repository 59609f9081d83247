using System.Management.Automation;
using PSRnn.Infrastructure;
using PSRnn.Models;
using PSRnn.Plotting;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Saves one sample's attributions (from Measure-RnnAttribution) as a heat-map PNG.</para>
/// <para type="description">Draws a heat map over time steps (across) and features (up; for audio, frames × MFCC
/// coefficients), red for evidence for the target and blue against it, on a colour scale centred on 0, and under it a
/// bar per step of the step's total attribution. The time axis is in seconds when the model carries its audio recipe
/// (the frame hop, 10 ms), in steps otherwise. Pipe Measure-RnnAttribution's result to it and pick the sample with
/// -Sample. The write is atomic, an existing file is replaced only with -Force, and -WhatIf and -Confirm work as
/// usual.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Measure-RnnAttribution -X $xTest -Method GradientTimesInput | Export-RnnAttributionPlot ./why.png -Sample 3
///   </code>
///   <para>Which frames and coefficients made the model name the fourth test utterance's digit.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 3 -Activation softmax
///     $model | Measure-RnnAttribution -X $x -Steps 16 | Export-RnnAttributionPlot ./attribution.png -PassThru
///   </code>
///   <para>Runs as written: the integrated gradients of an untrained model's first sample, drawn.</para>
/// </example>
[Cmdlet(VerbsData.Export, "RnnAttributionPlot", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnAttributionPlotCommand : ExportFileCommandBase
{
    /// <summary>
    /// <para type="description">The attributions: Measure-RnnAttribution's result, which binds from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public RnnAttribution Attribution { get; set; } = null!;

    /// <summary>
    /// <para type="description">The sample to draw (0, the first, by default).</para>
    /// </summary>
    [Parameter]
    public int Sample { get; set; }

    /// <summary>
    /// <para type="description">The name of the vertical axis ('feature' by default; 'MFCC coefficient' for speech, say).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string FeatureLabel { get; set; } = "feature";

    /// <summary>
    /// <para type="description">The image width in pixels (900 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Width { get; set; } = 900;

    /// <summary>
    /// <para type="description">The image height in pixels (650 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Height { get; set; } = 650;

    /// <summary>
    /// <para type="description">The title (by default the method, the sample and its target output).</para>
    /// </summary>
    [Parameter]
    public string? Title { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        int n = Attribution.Count;
        if (Sample < 0 || Sample >= n)
        {
            ThrowTerminatingError(Errors.Create("AttributionPlotSampleOutOfRange", ErrorCategory.InvalidArgument, Sample,
                $"-Sample {Sample} is not one of the {n} attributed samples (0 to {n - 1})."));
        }

        string file = ResolveTarget();
        bool exists = PathResolver.CheckWriteTarget(this, file, Force);
        if (!ShouldProcess(file, $"Save the attributions of sample {Sample}" + (exists ? ", replacing the file" : "")))
        {
            return;
        }

        int time = Attribution.Attributions.Shape[1], features = Attribution.Attributions.Shape[2];
        float[] values = Attribution.Attributions.ToSingleArray(out _);
        string title = string.IsNullOrWhiteSpace(Title)
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{Attribution.Method}, sample {Sample}, output {Attribution.Target[Sample]} (f = {Attribution.Output[Sample]:0.###})")
            : Title;
        PlotWriter.Write(this, file, Force, () => AttributionPlot.RenderPng(values.AsSpan(Sample * time * features, time * features),
            time, features, Attribution.StepSeconds, title, FeatureLabel, Width, Height), "AttributionPlot");
        WritePassThru(file);
    }
}
