using System.Management.Automation;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Text;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Turns token ids back into text with a vocabulary (Keras's get_vocabulary() lookup).</para>
/// <para type="description">Each row of the ids — (N, T), (N, T, 1), or one sequence (T) — gives one string: its
/// tokens joined by a space (by nothing for a character vocabulary), padding ids 0 left out, out-of-vocabulary ids shown
/// as the OOV token. -Separator sets what goes between tokens. The text is the standardized one (lowercased, punctuation
/// stripped, as the vocabulary saw it). Ids must be whole numbers within the vocabulary (TokenIdOutOfRange).</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $v = 'foo bar', 'bar baz', 'baz bada boom' | New-RnnVocabulary
///     'Foo, qux bar!' | ConvertTo-RnnTokenId -Vocabulary $v -SequenceLength 4 | ConvertFrom-RnnTokenId -Vocabulary $v
///   </code>
///   <para>'foo [UNK] bar'.</para>
/// </example>
/// <example>
///   <code>
///     $next = $model | Invoke-RnnPrediction -X $ids -Class
///     ConvertFrom-RnnTokenId $next -Vocabulary $chars
///   </code>
///   <para>A character model's predicted characters as text.</para>
/// </example>
[Cmdlet(VerbsData.ConvertFrom, "RnnTokenId")]
[OutputType(typeof(string))]
public sealed class ConvertFromRnnTokenIdCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The token ids: (N, T), (N, T, 1) or (T); any integer or whole-valued dtype.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [TensorTransformation]
    [ValidateNotNull]
    public Tensor InputObject { get; set; } = null!;

    /// <summary>
    /// <para type="description">The vocabulary the ids are from.</para>
    /// </summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public TextVocabulary Vocabulary { get; set; } = null!;

    /// <summary>
    /// <para type="description">What goes between tokens: by default a space, or nothing for a character vocabulary.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public string? Separator { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        int[] shape = InputObject.Shape;
        if (shape.Length is < 1 or > 3 || (shape.Length == 3 && shape[2] != 1))
        {
            ThrowTerminatingError(Errors.Create("TokenIdShape", ErrorCategory.InvalidArgument, InputObject,
                $"The ids are {InputObject.ShapeText}; give (samples, steps), (samples, steps, 1) or one sequence (steps)."));
        }

        Tensor ids = InputObject.AsType(DType.Int64, out long inexact);
        if (inexact > 0)
        {
            ThrowTerminatingError(Errors.Create("TokenIdOutOfRange", ErrorCategory.InvalidData, InputObject,
                "Some ids are not whole numbers; token ids are the integers 0 … vocabulary count − 1."));
        }

        int rows = shape.Length == 1 ? 1 : shape[0];
        int steps = shape.Length == 1 ? shape[0] : shape[1];
        ReadOnlySpan<long> all = ids.AsSpan<long>();
        string separator = Separator ?? Vocabulary.Separator;
        for (int r = 0; r < rows; r++)
        {
            try
            {
                WriteObject(string.Join(separator, Vocabulary.Decode(all.Slice(r * steps, steps))));
            }
            catch (TextException e)
            {
                ThrowTerminatingError(TextArguments.FromText(e, InputObject));
            }
        }
    }
}
