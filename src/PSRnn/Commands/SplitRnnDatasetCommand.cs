using System.Management.Automation;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;
using PSRnn.Models;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Splits samples into training and test sets, as scikit-learn's train_test_split.</para>
/// <para type="description">Shuffles the rows (the first axis) of -X and -Y together and holds out -TestFraction of them
/// (rounded up, as scikit-learn does) or -TestCount rows. With -Stratify, each class of -Y keeps its share in both
/// sets. With an integer -Seed the split is the one scikit-learn gives for random_state=Seed, index for index, and the
/// same seed always gives the same split. -NoShuffle takes the last rows as the test set.</para>
/// </summary>
/// <example>
///   <code>
///     $split = Split-RnnDataset -X $x -Y $y -TestFraction 0.2 -Seed 42 -Stratify
///     $split.XTrain.Shape
///   </code>
///   <para>Holds out a fifth of the samples, keeping class shares, exactly as train_test_split(x, y, test_size=0.2, random_state=42, stratify=y).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor -InputObject ([float[]] (1..200 | ForEach-Object { [math]::Sin($_) })) -Shape 20, 5, 2
///     $split = Split-RnnDataset -X $x -Y ([long[]] (0..19 | ForEach-Object { $_ % 2 })) -TestFraction 0.25 -Seed 0 -Stratify
///     $split
///   </code>
///   <para>Runs as written: 15 training and 5 test sequences, the classes kept in proportion.</para>
/// </example>
[Cmdlet(VerbsCommon.Split, "RnnDataset", DefaultParameterSetName = FractionSet)]
[OutputType(typeof(RnnDatasetSplit))]
public sealed class SplitRnnDatasetCommand : PSCmdlet
{
    private const string FractionSet = "Fraction";
    private const string CountSet = "Count";

    /// <summary>
    /// <para type="description">The samples; rows are the first axis.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor X { get; set; } = null!;

    /// <summary>
    /// <para type="description">The targets (labels, one-hot rows or values), with as many rows as -X.</para>
    /// </summary>
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [TensorTransformation]
    public Tensor? Y { get; set; }

    /// <summary>
    /// <para type="description">The share of rows to hold out, between 0 and 1 (default 0.25, as scikit-learn).</para>
    /// </summary>
    [Parameter(ParameterSetName = FractionSet)]
    [ValidateRange(0.0, 1.0)]
    public double TestFraction { get; set; } = 0.25;

    /// <summary>
    /// <para type="description">The number of rows to hold out, instead of a fraction.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = CountSet)]
    [ValidateRange(1, int.MaxValue)]
    public int TestCount { get; set; }

    /// <summary>
    /// <para type="description">The random seed (0 to 4294967295); scikit-learn's random_state. Without it each run differs.</para>
    /// </summary>
    [Parameter]
    public uint? Seed { get; set; }

    /// <summary>
    /// <para type="description">Keeps each class's share of -Y in both sets (scikit-learn's stratify=y).</para>
    /// </summary>
    [Parameter]
    public SwitchParameter Stratify { get; set; }

    /// <summary>
    /// <para type="description">Does not shuffle: the first rows train, the last rows test.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter NoShuffle { get; set; }

    /// <summary>
    /// <para type="description">Hidden: values no parameter takes, such as $false after a switch, so that the error says
    /// how to write them.</para>
    /// </summary>
    [Parameter(ValueFromRemainingArguments = true, DontShow = true)]
    public object[]? LeftoverArgument { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        LeftoverArguments.ThrowIfAny(this, LeftoverArgument);
        if (Stratify && Y is null)
        {
            ThrowTerminatingError(Errors.Create("SplitStratifyNeedsY", ErrorCategory.InvalidArgument, null,
                "-Stratify keeps the class shares of -Y, so it needs -Y."));
        }

        try
        {
            int[]? strata = Stratify ? DatasetSplitter.StratifyLabels(Y!) : null;
            SplitIndices split = DatasetSplitter.Split(X, Y, TestFraction,
                ParameterSetName == CountSet ? TestCount : null, Seed, !NoShuffle, strata);
            WriteObject(new RnnDatasetSplit(
                DatasetSplitter.Take(X, split.Train), DatasetSplitter.Take(X, split.Test),
                Y is null ? null : DatasetSplitter.Take(Y, split.Train), Y is null ? null : DatasetSplitter.Take(Y, split.Test),
                split.Train, split.Test));
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, X));
        }
    }
}
