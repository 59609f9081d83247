using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Selects samples (rows along the first axis) of tensors: by index, by mask, a range, or at random.</para>
/// <para type="description">Takes tensors of any rank and dtype and returns, for each, the samples chosen — NumPy's
/// x[index], x[mask], x[skip:skip+first], x[-last:] or a seeded random draw without replacement — as a new tensor of
/// the same dtype. -Skip, -First and -Last pick one run of rows, so their result is a view, as NumPy's x[a:b]: it shares
/// the input's memory (no copy; a write through either shows in both, until the view's .Data is read, which gives it an
/// array of its own). -Index, -Mask and -Random copy. Every tensor piped in gets the same selection, so
/// $x, $y | Select-RnnSample -Random 100 -Seed 1 keeps features and labels together; with -Random and no -Seed one seed is
/// drawn for the whole call. -Index takes positions in any order, repeats allowed, negative from the end; -Mask a bool
/// array or tensor with one value a sample; -Skip and -First (or -Last) read as Select-Object's do. With no selection
/// the result is a view of every sample.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $x = ConvertTo-RnnTensor (0..11) -Shape 6, 2
///     Select-RnnSample -InputObject $x -Index 0, -1
///   </code>
///   <para>The first and last rows: a 2x2 tensor (0, 1, 10, 11).</para>
/// </example>
/// <example>
///   <code>
///     $test = $data['test']            # a bool tensor, one value a sample
///     $xTest, $yTest = $x, $y | Select-RnnSample -Mask $test
///   </code>
///   <para>The held-out samples of two tensors, by a mask.</para>
/// </example>
/// <example>
///   <code>
///     $xSmall, $ySmall = $x, $y | Select-RnnSample -Random 256 -Seed 7
///   </code>
///   <para>The same 256 random samples of features and labels.</para>
/// </example>
[Cmdlet(VerbsCommon.Select, "RnnSample", DefaultParameterSetName = RangeSet)]
[OutputType(typeof(Tensor))]
public sealed class SelectRnnSampleCommand : PSCmdlet
{
    private const string RangeSet = "Range";
    private const string IndexSet = "Index";
    private const string MaskSet = "Mask";
    private const string RandomSet = "Random";

    private int[]? _drawn;
    private int _drawnFrom = -1;
    private ulong _seed;

    /// <summary>
    /// <para type="description">The tensors (arrays are converted); each is selected along its first axis.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [TensorTransformation]
    public Tensor? InputObject { get; set; }

    /// <summary>
    /// <para type="description">The positions of the samples to keep, in this order (negative from the end; repeats allowed).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = IndexSet)]
    [AllowEmptyCollection]
    public int[]? Index { get; set; }

    /// <summary>
    /// <para type="description">A bool array or tensor, one value a sample: the samples where it is true.</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = MaskSet)]
    [TensorTransformation]
    public Tensor? Mask { get; set; }

    /// <summary>
    /// <para type="description">Keep this many samples (after -Skip), as Select-Object -First.</para>
    /// </summary>
    [Parameter(ParameterSetName = RangeSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? First { get; set; }

    /// <summary>
    /// <para type="description">Keep the last this many samples, as Select-Object -Last.</para>
    /// </summary>
    [Parameter(ParameterSetName = RangeSet)]
    [ValidateRange(0, int.MaxValue)]
    public int? Last { get; set; }

    /// <summary>
    /// <para type="description">Leave out this many samples at the start, as Select-Object -Skip.</para>
    /// </summary>
    [Parameter(ParameterSetName = RangeSet)]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    /// <summary>
    /// <para type="description">Draw this many different samples at random (in the order drawn).</para>
    /// </summary>
    [Parameter(Mandatory = true, ParameterSetName = RandomSet)]
    [ValidateRange(0, int.MaxValue)]
    public int Random { get; set; }

    /// <summary>
    /// <para type="description">The seed of -Random: the same seed, the same samples.</para>
    /// </summary>
    [Parameter(ParameterSetName = RandomSet)]
    public ulong? Seed { get; set; }

    /// <inheritdoc />
    protected override void BeginProcessing()
    {
        if (First is not null && Last is not null)
        {
            ThrowTerminatingError(Errors.Create("SampleRangeConflict", ErrorCategory.InvalidArgument, Last,
                "Give -First or -Last, not both."));
        }

        _seed = Seed ?? Rng.NewSeed();
    }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        Tensor tensor = InputObject!;
        if (tensor.Rank == 0)
        {
            ThrowTerminatingError(Errors.Create("SampleTensorScalar", ErrorCategory.InvalidArgument, tensor,
                "A 0-d tensor (a scalar) has no samples to select; give a tensor of rank 1 or more."));
        }

        int count = tensor.Dim(0);
        if (ParameterSetName == RangeSet)
        {
            // One step-1 run of rows: a view sharing the tensor's memory, as NumPy's x[a:b].
            (int start, int length) = Range(count);
            WriteObject(tensor.Rows(start, length));
            return;
        }

        int[] rows = Rows(count, tensor);
        try
        {
            WriteObject(tensor.Take(rows, 0));
        }
        catch (ArgumentOutOfRangeException e)
        {
            ThrowTerminatingError(Errors.Create("SampleIndexOutOfRange", ErrorCategory.InvalidArgument, Index,
                $"{Errors.Describe(e)} The tensor has {count} samples.", e));
        }
    }

    private int[] Rows(int count, Tensor tensor)
    {
        switch (ParameterSetName)
        {
            case IndexSet:
                return Index!;
            case MaskSet:
                return MaskRows(count, tensor);
            case RandomSet:
                return Drawn(count, tensor);
            default:
                (int start, int length) = Range(count);
                return [.. Enumerable.Range(start, length)];
        }
    }

    // -Skip, then -First or -Last, as Select-Object: the first row and how many.
    private (int Start, int Length) Range(int count)
    {
        int start = Math.Min(Skip, count);
        int end = First is int first ? (int)Math.Min((long)start + first, count) : count;
        if (Last is int last)
        {
            start = Math.Max(start, count - last);
        }

        return (start, Math.Max(0, end - start));
    }

    private int[] MaskRows(int count, Tensor tensor)
    {
        Tensor mask = Mask!;
        if (mask.DType != DType.Bool)
        {
            ThrowTerminatingError(Errors.Create("SampleMaskNotBool", ErrorCategory.InvalidArgument, mask,
                $"-Mask is {mask.DType.NumpyName()}; give bool values ($true/$false, or a bool tensor such as ($y.ToArray() | ForEach-Object {{ $_ -gt 0 }}))."));
        }

        if (mask.Length != count)
        {
            ThrowTerminatingError(Errors.Create("SampleMaskLengthMismatch", ErrorCategory.InvalidArgument, mask, string.Create(CultureInfo.InvariantCulture,
                $"-Mask has {mask.Length} values; the tensor of shape {tensor.ShapeText} has {count} samples, one value each.")));
        }

        ReadOnlySpan<bool> flags = mask.AsSpan<bool>();
        var rows = new List<int>(count);
        for (int i = 0; i < flags.Length; i++)
        {
            if (flags[i])
            {
                rows.Add(i);
            }
        }

        return [.. rows];
    }

    // One draw for the whole call (a partial Fisher–Yates of 0 … count − 1), so every tensor piped gets the same samples.
    private int[] Drawn(int count, Tensor tensor)
    {
        if (_drawn is not null)
        {
            if (count != _drawnFrom)
            {
                ThrowTerminatingError(Errors.Create("SampleCountMismatch", ErrorCategory.InvalidArgument, tensor, string.Create(CultureInfo.InvariantCulture,
                    $"This tensor ({tensor.ShapeText}) has {count} samples and the first one {_drawnFrom}: the same random samples need the same count.")));
            }

            return _drawn;
        }

        if (Random > count)
        {
            ThrowTerminatingError(Errors.Create("SampleRandomTooMany", ErrorCategory.InvalidArgument, Random, string.Create(CultureInfo.InvariantCulture,
                $"-Random {Random} asks for more samples than the {count} there are (they are drawn without replacement).")));
        }

        var rng = new Rng(_seed);
        int[] all = [.. Enumerable.Range(0, count)];
        for (int i = 0; i < Random; i++)
        {
            int j = i + rng.NextInt(count - i);
            (all[i], all[j]) = (all[j], all[i]);
        }

        _drawnFrom = count;
        _drawn = all[..Random];
        return _drawn;
    }
}
