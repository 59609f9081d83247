using System.Management.Automation;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Text;
using PSRnn.Infrastructure;

namespace PSRnn.Commands;

/// <summary>
/// <para type="synopsis">Records in a model how raw text becomes its input: a vocabulary, saved with the model.</para>
/// <para type="description">Gives the model the vocabulary (New-RnnVocabulary) its token ids come from, with the
/// -Padding and -Truncating sides and -SequenceLength used by ConvertTo-RnnTokenId, and -ClassNames in output order —
/// as a Keras model with a TextVectorization layer in front. Export-RnnModel saves it in the model file (safetensors
/// metadata text_recipe, with Keras's names: standardize, split, ngrams, max_tokens, oov_token, vocabulary,
/// output_sequence_length) and Import-RnnModel reads it back, so Invoke-RnnPrediction -Text predicts from raw strings.
/// Training checkpoints keep it too.</para>
/// <para type="description">It is checked against the model: a model of fixed steps takes that many ids (its steps are
/// the sequence length when -SequenceLength is not given), a first Embedding layer must have an id for every token
/// (-InputDim at least $vocabulary.Count), and class names must match the outputs (one sigmoid output serves two);
/// otherwise TextRecipeMismatch and the model is unchanged. Setting a vocabulary replaces the one the model had.</para>
/// </summary>
/// <example runnable="true">
///   <code>
///     $v = 'disk full', 'user login', 'disk ok' | New-RnnVocabulary
///     $model = New-RnnModel -InputShape 6 -Seed 1 | Add-EmbeddingLayer $v.Count 8 -MaskZero | Add-GruLayer 8 |
///         Add-DenseLayer 2 -Activation softmax | Set-RnnVocabulary -Vocabulary $v -ClassNames alert, info -PassThru
///     Invoke-RnnPrediction -Model $model -Text 'Disk full!'
///   </code>
///   <para>Runs as written: an (untrained) model that takes raw strings, padded to its 6 steps.</para>
/// </example>
/// <example>
///   <code>
///     $model | Set-RnnVocabulary -Vocabulary $v -ClassNames error, warning, info
///     $model | Export-RnnModel ./logs.safetensors
///     Invoke-RnnPrediction -Model (Import-RnnModel ./logs.safetensors) -Text 'disk full on /dev/sda1'
///   </code>
///   <para>The saved model classifies new log lines from their text.</para>
/// </example>
[Cmdlet(VerbsCommon.Set, "RnnVocabulary", SupportsShouldProcess = true)]
[OutputType(typeof(Sequential))]
public sealed class SetRnnVocabularyCommand : PSCmdlet
{
    /// <summary>
    /// <para type="description">The model; it comes from the pipeline.</para>
    /// </summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public Sequential Model { get; set; } = null!;

    /// <summary>
    /// <para type="description">The vocabulary from New-RnnVocabulary the model's token ids come from.</para>
    /// </summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public TextVocabulary Vocabulary { get; set; } = null!;

    /// <summary>
    /// <para type="description">The ids a text becomes; by default the model's steps, or for a model of varying steps the longest text of each call.</para>
    /// </summary>
    [Parameter]
    [ValidateRange(1, 1 << 24)]
    public int? SequenceLength { get; set; }

    /// <summary>
    /// <para type="description">Where padding goes, as given to ConvertTo-RnnTokenId: Post (default) or Pre.</para>
    /// </summary>
    [Parameter]
    public SequenceSide Padding { get; set; } = SequenceSide.Post;

    /// <summary>
    /// <para type="description">Which end a long text loses, as given to ConvertTo-RnnTokenId: Post (default) or Pre.</para>
    /// </summary>
    [Parameter]
    public SequenceSide Truncating { get; set; } = SequenceSide.Post;

    /// <summary>
    /// <para type="description">The class names in output order, for Invoke-RnnPrediction -Text's Class.</para>
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public string[] ClassNames { get; set; } = [];

    /// <summary>
    /// <para type="description">Passes the model on.</para>
    /// </summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <inheritdoc />
    protected override void ProcessRecord()
    {
        var recipe = new TextRecipe { Vocabulary = Vocabulary, SequenceLength = SequenceLength, Padding = Padding, Truncating = Truncating, Classes = ClassNames };
        try
        {
            recipe.Validate();
            recipe = recipe.FitTo(Model);
        }
        catch (ModelException e)
        {
            ThrowTerminatingError(Errors.FromModel(e, Model));
        }
        catch (TextException e)
        {
            ThrowTerminatingError(TextArguments.FromText(e, recipe));
        }

        if (ShouldProcess(Model.Name, "Set vocabulary"))
        {
            Model.TextRecipe = recipe;
        }

        if (PassThru)
        {
            WriteObject(Model);
        }
    }
}
