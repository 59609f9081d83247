using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Evaluates a model on samples and targets, as Keras's model.evaluate.</para>
/// <para type="description">Returns the mean loss and the model's metric (accuracy for classifiers, MAE otherwise) over -X
/// and -Y, without changing the model. The loss is the one the model was trained with, or the one its last layer
/// implies, or -Loss.</para>
/// </summary>
/// <example>
///   <code>
///     $model | Measure-RnnModel -X $xTest -Y $yTest
///   </code>
///   <para>Prints Loss, Accuracy and Samples for the held-out data.</para>
/// </example>
[Cmdlet(VerbsDiagnostic.Measure, "RnnModel")]
[OutputType(typeof(PSObject))]
public sealed class MeasureRnnModelCommand : ModelInputCommandBase
{
    /// <summary>
    /// <para type="description">The targets: one-hot rows or values, or class labels.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 1)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor Y { get; set; } = null!;

    /// <summary>
    /// <para type="description">The loss by Keras name; by default the model's training loss.</para>
    /// </summary>
    [Parameter]
    [ArgumentCompleter(typeof(LossCompleter))]
    public string? Loss { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        ModelData.RequireLayers(this, Model);
        Dataset data = ModelData.Create(this, Model, X, Y);
        EvaluationResult result;
        try
        {
            // The training loss by default; its sparse or one-hot form follows the targets given here.
            string? name = Loss ?? (Model.Loss?.KerasName == "sparse_categorical_crossentropy" ? "categorical_crossentropy" : Model.Loss?.KerasName);
            Loss loss = Trainer.ResolveLoss(Model, name, data);
            result = Trainer.Evaluate(Model, data, loss, BatchSize, ThreadCount);
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
            string title = name == "mae" ? "MAE" : CultureInfo.InvariantCulture.TextInfo.ToTitleCase(name);
            output.Properties.Add(new PSNoteProperty(title, value));
        }

        output.Properties.Add(new PSNoteProperty("Samples", result.Samples));
        WriteObject(output);
    }
}
