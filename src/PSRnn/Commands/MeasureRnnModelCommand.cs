using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Evaluates a model on samples and targets, as Keras's model.evaluate.</para>
/// <para type="description">Returns the mean loss and the model's metric (accuracy for classifiers, MAE otherwise) over -X
/// and -Y, without changing the model. The loss is the one the model was trained with, or the one its last layer
/// implies, or -Loss.</para>
/// <para type="description">-Detailed adds what scikit-learn's classification_report and confusion_matrix give: per class
/// (PerClass) the precision TP/(TP+FP), recall TP/(TP+FN), F1 2PR/(P+R) and support (true samples of the class), 0
/// where a denominator is 0; their macro (unweighted) and support-weighted means (MacroF1, WeightedF1, ...); and the
/// ConfusionMatrix, Counts[true, predicted], which Export-RnnConfusionMatrix draws. Every class of the output layer is
/// listed, even one absent from -Y. Predicted classes are the argmax of the outputs (a single sigmoid output: above
/// 0.5); the true classes are the labels, or the argmax of one-hot rows. Models that output every step count every
/// step. A model that is not a classifier is an error (ReportNeedsClassifier).</para>
/// <para type="description">A CTC model (trained with -Loss ctc, or -Loss ctc here) reads label sequences as -Y and
/// reports its CTC loss and ErrorRate: the Levenshtein distance between each sample's labels and its greedy decoding,
/// summed over the samples and divided by the summed number of labels (the digit or character error rate).</para>
/// </summary>
/// <example>
///   <code>
///     $model | Measure-RnnModel -X $xTest -Y $yTest
///   </code>
///   <para>Prints Loss, Accuracy and Samples for the held-out data.</para>
/// </example>
/// <example>
///   <code>
///     $report = $model | Measure-RnnModel $xTest $yTest -Detailed -ClassNames no, yes
///     $report.PerClass | Format-Table
///     $report | Export-RnnConfusionMatrix ./confusion.png
///   </code>
///   <para>Per-class precision, recall, F1 and support, and a heat map of the confusion matrix.</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..96 | ForEach-Object { [math]::Sin($_) })) -Shape 8, 6, 2
///     $model = New-RnnModel -InputShape 6, 2 -Seed 1 | Add-GruLayer 4 | Add-DenseLayer 2 -Activation softmax
///     $model | Measure-RnnModel -X $x -Y ([long[]] (0, 1, 0, 1, 0, 1, 0, 1)) -Detailed
///   </code>
///   <para>Runs as written: the loss, accuracy and per-class report of an untrained model (about chance).</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Measure, "RnnModel")]
[OutputType("PSRnn.Evaluation", "PSRnn.DetailedEvaluation")]
public sealed class MeasureRnnModelCommand : ModelInputCommandBase
{
    /// <summary>
    /// <para type="description">The targets: one-hot rows or values, or class labels; for a CTC model, label sequences
    /// as Invoke-RnnTraining -Loss ctc takes them (an array of label arrays, or a 0-padded tensor, or with -TargetLengths).</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [TargetTransformation]
    [ValidateNotNull]
    public Tensor Y { get; set; } = null!;

    /// <summary>
    /// <para type="description">For a CTC model with a padded -Y: each sample's number of labels (PyTorch's
    /// target_lengths), as Invoke-RnnTraining's -TargetLengths.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public int[]? TargetLengths { get; set; }

    /// <summary>
    /// <para type="description">The loss by Keras name, as Invoke-RnnTraining's -Loss takes it; by default the model's
    /// training loss, with its options.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    public string? Loss { get; set; }

    /// <summary>
    /// <para type="description">The parameters of the -Loss named here, by Keras's argument names, as Invoke-RnnTraining's
    /// -LossOption takes them (-Loss huber -LossOption @{ delta = 0.5 }).</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public System.Collections.Hashtable? LossOption { get; set; }

    /// <summary>
    /// <para type="description">The metrics to report, by Keras name (accuracy, categorical_accuracy,
    /// sparse_categorical_accuracy, binary_accuracy, mae, precision, recall, auc, pr_auc,
    /// top_k_categorical_accuracy, sparse_top_k_categorical_accuracy); by default accuracy for classifiers and MAE otherwise.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(MetricCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? Metric { get; set; }

    /// <summary>
    /// <para type="description">Adds per-class precision, recall, F1 and support, their macro and weighted means, and the
    /// confusion matrix (scikit-learn's definitions).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Detailed { get; set; }

    /// <summary>
    /// <para type="description">With -Detailed, the names of the classes in index order (for example an audio dataset's
    /// Classes); by default the indices.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? ClassNames { get; set; }

    /// <summary>
    /// <para type="description">Weighs each sample's loss, as Keras's evaluate(sample_weight=...): a weight per sample (N),
    /// or per step (N, T) for per-step targets; the loss is the sum of weight × loss over each batch divided by its size.
    /// Metrics stay unweighted unless -WeightedMetric names them.</para>
    /// </summary>
    [Parameter]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor? SampleWeight { get; set; }

    /// <summary>
    /// <para type="description">Metrics weighted by -SampleWeight (Keras's weighted_metrics), reported as Invoke-RnnTraining's
    /// -WeightedMetric reports them (Weighted_Accuracy when the accuracy is reported unweighted too).</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(MetricCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? WeightedMetric { get; set; }

    /// <summary>
    /// <para type="description">How the kernels of the Dense and recurrent layers are read, as Invoke-RnnPrediction's
    /// -Precision: Float32 (the default), Int8 or BFloat16; compare the figures with those at Float32 to see what the
    /// lower precision costs.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(PrecisionCompleter))]
    [ValidateNotNullOrEmpty]
    public string Precision { get; set; } = nameof(WeightPrecision.Float32);

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        using InferencePrecision.Scope precision = InferencePrecision.Use(PrecisionArgument.Resolve(this, Precision));
        ModelData.RequireLayers(this, Model);
        bool ctc = CtcTargets.Wanted(Loss, Model.Loss, Y, TargetLengths);
        if (ctc && (Detailed || SampleWeight is not null))
        {
            ThrowTerminatingError(Errors.Create(Detailed ? "ReportNeedsClassifier" : "CtcSampleWeight", ErrorCategory.InvalidArgument, Model,
                Detailed ? "-Detailed reports per-class figures of a classifier; a CTC model transcribes label sequences: read its ErrorRate."
                    : "ctc does not take sample weights; measure without -SampleWeight."));
        }

        if (TargetLengths is not null && !ctc)
        {
            ThrowTerminatingError(Errors.Create("TargetLengthsWithoutCtc", ErrorCategory.InvalidArgument, TargetLengths,
                "-TargetLengths gives the lengths of label sequences, which only a CTC model (or -Loss ctc) reads."));
        }

        Dataset data = ctc ? CtcTargets.Create(this, Model, X, Y, TargetLengths) : ModelData.Create(this, Model, X, Y);
        data = SampleWeight is null ? data : WeightArguments.WithSampleWeights(this, data, SampleWeight, "-SampleWeight");
        EvaluationResult result;
        try
        {
            // The training loss by default; its sparse or one-hot form follows the targets given here.
            string? name = Loss ?? (Model.Loss?.KerasName == "sparse_categorical_crossentropy" ? "categorical_crossentropy" : Model.Loss?.KerasName);
            // The training loss keeps its options (Huber's delta, the focal alpha and gamma, ctc's reduction).
            Loss loss = Trainer.ResolveLoss(Model, ctc ? name ?? "ctc" : name, data,
                Loss is null && LossOption is null ? LossOptions.FromConfig(Model.Loss) : LossOptions.FromHashtable(LossOption));
            result = Trainer.Evaluate(Model, data, loss, BatchSize, ThreadCount, Metric, WeightedMetric);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        var output = new PSObject();
        output.TypeNames.Insert(0, "PSRnn.Evaluation");
        output.Properties.Add(new PSNoteProperty("Loss", result.Loss));
        foreach (var (name, value) in result.Metrics)
        {
            output.Properties.Add(new PSNoteProperty(MetricProperties.Title(name), value));
        }

        output.Properties.Add(new PSNoteProperty("Samples", result.Samples));
        if (Detailed)
        {
            AddReport(output, data);
        }

        WriteObject(output);
    }

    private void AddReport(PSObject output, Dataset data)
    {
        ClassificationReport report;
        try
        {
            report = ClassificationReport.Evaluate(Model, data, BatchSize, ThreadCount);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
            return;
        }

        if (ClassNames is not null && ClassNames.Length != report.Classes)
        {
            ThrowTerminatingError(Errors.Create("ClassNamesCountMismatch", ErrorCategory.InvalidArgument, ClassNames,
                $"-ClassNames has {ClassNames.Length} names but the model has {report.Classes} classes; give one name a class, in index order."));
        }

        string[] names = ClassNames ?? [.. Enumerable.Range(0, report.Classes).Select(i => i.ToString(CultureInfo.InvariantCulture))];
        // Its own type name only: Format-List then lists every figure rather than the plain evaluation's three.
        output.TypeNames.Remove("PSRnn.Evaluation");
        output.TypeNames.Insert(0, "PSRnn.DetailedEvaluation");
        output.Properties.Add(new PSNoteProperty("MacroPrecision", report.MacroPrecision));
        output.Properties.Add(new PSNoteProperty("MacroRecall", report.MacroRecall));
        output.Properties.Add(new PSNoteProperty("MacroF1", report.MacroF1));
        output.Properties.Add(new PSNoteProperty("WeightedPrecision", report.WeightedPrecision));
        output.Properties.Add(new PSNoteProperty("WeightedRecall", report.WeightedRecall));
        output.Properties.Add(new PSNoteProperty("WeightedF1", report.WeightedF1));
        output.Properties.Add(new PSNoteProperty("PerClass", Enumerable.Range(0, report.Classes)
            .Select(c => new RnnClassMetrics(c, names[c], report.Precision[c], report.Recall[c], report.F1[c], report.Support[c])).ToArray()));
        output.Properties.Add(new PSNoteProperty("ConfusionMatrix", new RnnConfusionMatrix(report.ConfusionMatrix, names)));
    }
}
