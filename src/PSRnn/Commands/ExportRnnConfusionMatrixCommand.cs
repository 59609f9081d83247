using System.Management.Automation;
using PSRnn.Infrastructure;
using PSRnn.Models;
using PSRnn.Plotting;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Saves a confusion matrix (from Measure-RnnModel -Detailed) as a heat-map PNG.</para>
/// <para type="description">Draws the matrix as scikit-learn's ConfusionMatrixDisplay does: true classes down the left,
/// predicted classes along the bottom, each cell coloured by its count (viridis) and labelled with it, and a colour bar.
/// Pipe Measure-RnnModel -Detailed's result to it (its ConfusionMatrix property binds), or give -ConfusionMatrix.
/// -Normalize divides each row by its total, so each cell shows the fraction of a true class predicted as each class.
/// Drawn with ScottPlot. The write is atomic, an existing file is replaced only with -Force, and -WhatIf and -Confirm
/// work as usual.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Measure-RnnModel $xTest $yTest -Detailed | Export-RnnConfusionMatrix ./confusion.png
///   </code>
///   <para>Evaluates the model and saves the heat map of its confusion matrix.</para>
/// </example>
/// <example>
///   <code>
///     $report = $model | Measure-RnnModel $data.X $data.Y -Detailed -ClassNames $data.Classes
///     Export-RnnConfusionMatrix -ConfusionMatrix $report.ConfusionMatrix -LiteralPath ./digits.png -Normalize -Title 'spoken digits' -Force -PassThru
///   </code>
///   <para>Row-normalized, with class names on the axes; replaces the file and returns its FileInfo.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-LstmLayer 4 | Add-DenseLayer 2 -Activation softmax
///     $model | Measure-RnnModel $x ([long[]] (0, 1, 0, 1, 0, 1, 0, 1)) -Detailed | Export-RnnConfusionMatrix ./matrix.png -PassThru
///   </code>
///   <para>Runs as written: an untrained two-class model on eight made-up sequences, and the picture of what it predicted.</para>
/// </example>
[Cmdlet(VerbsData.Export, "RnnConfusionMatrix", DefaultParameterSetName = PathSet, SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportRnnConfusionMatrixCommand : ExportFileCommandBase
{
    /// <summary>
    /// <para type="description">The confusion matrix: the ConfusionMatrix property of Measure-RnnModel -Detailed's result,
    /// which binds from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNull]
    public RnnConfusionMatrix ConfusionMatrix { get; set; } = null!;

    /// <summary>
    /// <para type="description">Divides each row by its total: each cell is the fraction of a true class predicted as each
    /// class (scikit-learn's normalize='true').</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Normalize { get; set; }

    /// <summary>
    /// <para type="description">The image width in pixels (800 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(200, 10000)]
    public int Width { get; set; } = 800;

    /// <summary>
    /// <para type="description">The image height in pixels (700 by default).</para>
    /// </summary>
    [Parameter]
    [ValidateRange(150, 10000)]
    public int Height { get; set; } = 700;

    /// <summary>
    /// <para type="description">The title above the matrix ('confusion matrix' by default).</para>
    /// </summary>
    [Parameter]
    public string? Title { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        string file = ResolveTarget();
        bool exists = PathResolver.CheckWriteTarget(this, file, Force);
        int k = ConfusionMatrix.Labels.Count;
        if (!ShouldProcess(file, $"Save a {k}×{k} confusion matrix" + (exists ? ", replacing the file" : "")))
        {
            return;
        }

        string title = string.IsNullOrWhiteSpace(Title) ? (Normalize ? "confusion matrix (row-normalized)" : "confusion matrix") : Title;
        PlotWriter.Write(this, file, Force, () => ConfusionMatrixPlot.RenderPng(ConfusionMatrix.Counts, ConfusionMatrix.Labels, title, Width, Height, Normalize), "ConfusionMatrixPlot");
        WritePassThru(file);
    }
}
