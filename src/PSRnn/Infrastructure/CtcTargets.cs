using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Infrastructure;

/// <summary>
/// Whether a command's targets are CTC label sequences, and the dataset they make. CTC is asked for by -Loss ctc, and
/// implied, without -Loss, by jagged targets, by -TargetLengths, or by a model trained with ctc.
/// </summary>
internal static class CtcTargets
{
    /// <summary>Whether the targets are label sequences for a sequence loss.</summary>
    public static bool Wanted(string? lossName, Loss? modelLoss, Tensor y, int[]? targetLengths) =>
        lossName is not null
            ? lossName.Replace("_", string.Empty, StringComparison.Ordinal).Trim().Equals("ctc", StringComparison.OrdinalIgnoreCase)
            : modelLoss is SequenceLoss || RaggedTargets.LengthsOf(y) is not null || targetLengths is not null;

    /// <summary>The loss name and options to resolve: the ones given, else for label sequences ctc, with a ctc model's own
    /// options (its reduction kept) unless -LossOption gives others.</summary>
    public static (string? Name, IReadOnlyDictionary<string, object?>? Options) Loss(string? lossName, System.Collections.Hashtable? lossOption,
        Loss? modelLoss, bool ctc) =>
        lossName is null && ctc
            ? ("ctc", lossOption is null && modelLoss is SequenceLoss kept ? LossOptions.FromConfig(kept) : LossOptions.FromHashtable(lossOption))
            : (lossName, LossOptions.FromHashtable(lossOption));

    /// <summary>
    /// The dataset of <paramref name="x"/> and label sequences <paramref name="y"/>: jagged arrays keep their lengths;
    /// a padded tensor takes <paramref name="targetLengths"/> (PyTorch's form) or ends each row at its last non-zero
    /// label (Keras's form, 0 being the blank). Errors are terminating, with the engine's IDs.
    /// </summary>
    public static Dataset Create(PSCmdlet cmdlet, Sequential model, Tensor x, Tensor y, int[]? targetLengths, string name = "X")
    {
        string yName = name == "X" ? "Y" : name;
        try
        {
            LabelSequences labels = LabelSequences.FromPadded(y, targetLengths ?? RaggedTargets.LengthsOf(y), yName);
            Dataset data = Dataset.CreateWithLabelSequences(x, labels, model, name);
            ModelData.Warn(cmdlet, data, name);
            return data;
        }
        catch (ModelException e)
        {
            cmdlet.ThrowTerminatingError(Errors.FromModel(e, y));
            throw; // not reached
        }
    }
}
