using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Tensors;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Pads sequences of different lengths into one batch (Keras's pad_sequences).</para>
/// <para type="description">Takes sequences — each an array or tensor of T values (one feature per step) or of T rows
/// of F features, T differing from sample to sample — and returns one float32 tensor (N, MaxLength, F), as
/// keras.utils.pad_sequences does: samples shorter than -MaxLength are filled with -Value before their steps
/// (-Padding Pre, the default) or after them (Post); longer ones lose their first steps (-Truncating Pre, the default)
/// or their last ones (Post). -MaxLength is the longest sample's length unless given. A sample of T values becomes
/// T steps of one feature, so the batch is (N, MaxLength, 1). Each object piped in is one sample, and all of them make
/// one batch at the end; -InputObject takes the list of samples (or the rows of a (N, T) or (N, T, F) tensor). An
/// empty sample is all padding. With -IncludeLength the output is an object with X, the batch, and Lengths, the real
/// steps of each row (what truncation kept), with Count, Length, Features, Padding, Truncating and Value. Feed the
/// batch to a model that starts with Add-MaskingLayer (-MaskValue equal to -Value) or Add-EmbeddingLayer -MaskZero
/// (token ids padded with 0), so that the padding steps are skipped. Errors: no samples (SequenceBatchEmpty); samples of
/// different feature widths (SequenceFeatureMismatch, naming the sample); a sample that is a single number or of rank
/// above 2 (SequenceSampleShape); values that are not numbers (SequenceValueNotNumeric); -MaxLength below 1
/// (SequenceMaxLengthNotPositive); a batch too large for one array (SequenceBatchTooLarge). Nothing is output on an
/// error.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $batch = @(@(1, 2, 3), @(4, 5), @(6)) | ConvertTo-RnnSequenceBatch
///     $batch.Shape                         # 3 3 1
///     $batch.Reshape(3, 3).Preview         # [[1. 2. 3.]  [0. 4. 5.]  [0. 0. 6.]]
///   </code>
///   <para>Three sequences padded before their values with 0 to the longest length, as pad_sequences([[1,2,3],[4,5],[6]]).</para>
/// </example>
/// <example runnable="true">
///   <code>
///     $r = ConvertTo-RnnSequenceBatch -InputObject @(@(1, 2, 3, 4), @(5, 6)) -MaxLength 3 -Padding Post -Truncating Post -Value -1 -IncludeLength
///     $r.X.Reshape(2, 3).Preview           # [[ 1.  2.  3.]  [ 5.  6. -1.]]
///     $r.Lengths                           # 3 2
///   </code>
///   <para>Padding after the values with -1, cutting the end of longer samples, and the real length of each row.</para>
/// </example>
/// <example>
///   <code>
///     $utterances = Get-ChildItem ./wav -Filter *.wav | Import-RnnAudio -Normalize
///     $x = $utterances.Features | ConvertTo-RnnSequenceBatch -MaxLength 100
///     New-RnnModel -InputShape 100, 13 | Add-MaskingLayer | Add-LstmLayer 64 | Add-DenseLayer 10 -Activation softmax
///   </code>
///   <para>MFCC sequences of different lengths, (T_i, 13) each, padded with zero rows into a (N, 100, 13) batch for a
///   model whose Masking layer skips the padding.</para>
/// </example>
[Cmdlet(VerbsData.ConvertTo, "RnnSequenceBatch")]
[OutputType(typeof(Tensor), typeof(PaddedSequences))]
public sealed class ConvertToRnnSequenceBatchCommand : PSCmdlet
{
    private readonly List<object?> _piped = [];

    /// <summary>
    /// <para type="description">The sequences. From the pipeline each object is one sample: an array or tensor of T
    /// values, or of T rows of F values. As a parameter, the list of samples, or a (N, T) or (N, T, F) tensor or array
    /// whose rows are the samples.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public object? InputObject { get; set; }

    /// <summary>
    /// <para type="description">The steps of every row of the batch (Keras's maxlen), 1 or more; by default the longest
    /// sample's length.</para>
    /// </summary>
    [Parameter]
    public int? MaxLength { get; set; }

    /// <summary>
    /// <para type="description">Where the padding goes: Pre (the default, as Keras: before the values, so that every
    /// sequence ends at the last step, which recurrent networks learn from best) or Post (after them).</para>
    /// </summary>
    [Parameter]
    public SequenceSide Padding { get; set; } = SequenceSide.Pre;

    /// <summary>
    /// <para type="description">Which steps a sample longer than -MaxLength loses: Pre (the default, as Keras: its first
    /// steps, keeping the end) or Post (its last steps, keeping the start).</para>
    /// </summary>
    [Parameter]
    public SequenceSide Truncating { get; set; } = SequenceSide.Pre;

    /// <summary>
    /// <para type="description">The padding value (0 by default). Give the same value to Add-MaskingLayer -MaskValue;
    /// token ids for Add-EmbeddingLayer -MaskZero are padded with 0.</para>
    /// </summary>
    [Parameter]
    public float Value { get; set; }

    /// <summary>
    /// <para type="description">Returns an object with the batch (X) and the real length of each row (Lengths), instead
    /// of the batch alone.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter IncludeLength { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        if (MyInvocation.ExpectingInput)
        {
            _piped.Add(InputObject);
        }
        else
        {
            Emit(SequencePadding.SplitBatch(InputObject, TensorArgument.Unwrap), InputObject);
        }
    }

    /// <inheritdoc />
    protected override void EndProcessing()
    {
        if (MyInvocation.ExpectingInput)
        {
            Emit(_piped, null);
        }
    }

    private void Emit(IReadOnlyList<object?> samples, object? target)
    {
        PaddedSequences result;
        try
        {
            result = SequencePadding.Pad(samples, MaxLength, Padding, Truncating, Value, TensorArgument.Unwrap);
        }
        catch (DataFormatException e)
        {
            ThrowTerminatingError(Errors.FromData(e, target));
            return;
        }

        if (result.RoundedValues > 0)
        {
            WriteWarning(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"{result.RoundedValues} whole numbers were rounded converting to float32, which holds integers exactly only up to 16,777,216 (2^24)."));
        }

        WriteObject(IncludeLength ? result : result.X);
    }
}
