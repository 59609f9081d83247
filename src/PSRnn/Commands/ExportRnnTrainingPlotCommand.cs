using System.Management.Automation;
using PSRnn.Engine.Models;
using PSRnn.Infrastructure;
using PSRnn.Plotting;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Saves a model's training curves (loss and accuracy per epoch) as a PNG image.</para>
/// <para type="description">Draws the model's History as Keras users plot history.history: on the left the loss per
/// epoch, on the right the metric (accuracy for classifiers, MAE for regressions), each with a training curve and, when
/// the model was trained with -ValidationData or -ValidationSplit, a validation curve. Drawn with ScottPlot. The write is
/// atomic, an existing file is replaced only with -Force, and -WhatIf and -Confirm work as usual. A model that has not
/// been trained has no history and is an error (TrainingPlotNoHistory).</para>
/// </summary>
/// <example>
///   <code>
///     $model | Export-RnnTrainingPlot ./training.png
///   </code>
///   <para>Saves the curves of every epoch the model has trained so far.</para>
/// </example>
/// <example>
///   <code>
///     $model | Export-RnnTrainingPlot ./training.png -Width 1600 -Height 600 -Force -PassThru
///   </code>
///   <para>Replaces the image with a larger one and returns its FileInfo.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
///     $model | Invoke-RnnTraining -X $x -Y ([long[]] (0, 1, 0, 1, 0, 1, 0, 1)) -Epochs 3 -ValidationSplit 0.25 |
///         Export-RnnTrainingPlot ./curves.png -PassThru
///   </code>
///   <para>Runs as written: trains a small model three epochs and saves its loss and accuracy curves.</para>
/// </example>
[Cmdlet(VerbsData.Export, "RnnTrainingPlot", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnTrainingPlotCommand : ExportFileCommandBase
{
    /// <summary>
    /// <para type="description">The trained model whose History is drawn; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The image width in pixels (1200 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Width { get; set; } = 1200;

    /// <summary>
    /// <para type="description">The image height in pixels (450 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(150, 10000)]
    public int Height { get; set; } = 450;

    /// <summary>
    /// <para type="description">The title each panel starts with; the model's name by default.</para>
    /// </summary>
    [Parameter]
    public string? Title { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (Model.History.Count == 0)
        {
            ThrowTerminatingError(Errors.Create("TrainingPlotNoHistory", ErrorCategory.InvalidOperation, Model,
                $"The model '{Model.Name}' has no training history to plot: train it with Invoke-RnnTraining first."));
        }

        string file = ResolveTarget();
        bool exists = PathResolver.CheckWriteTarget(this, file, Force);

        string action = $"Save the training curves of model '{Model.Name}' ({Model.History.Count} epochs)" + (exists ? ", replacing the file" : "");
        if (!ShouldProcess(file, action))
        {
            return;
        }

        string title = string.IsNullOrWhiteSpace(Title) ? Model.Name : Title;
        PlotWriter.Write(this, file, Force, () => TrainingPlot.RenderPng(Model.History, title, Width, Height), "TrainingPlot");

        WritePassThru(file);
    }
}
