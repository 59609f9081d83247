using System.Globalization;
using PSRnn.Engine.Audio;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Text;

/// <summary>
/// How raw text becomes a model's input, kept in its model file: the vocabulary, the sequence length and sides of
/// padding and truncating, and the class names in output order — Keras's TextVectorization layer in front of the model.
/// </summary>
public sealed record TextRecipe
{
    /// <summary>The vocabulary and its standardize, split and n-gram settings.</summary>
    public required TextVocabulary Vocabulary { get; init; }

    /// <summary>The token ids a text becomes, or null for the longest text of each call (a model of varying steps).</summary>
    public int? SequenceLength { get; init; }

    /// <summary>Where padding ids 0 go (Keras's TextVectorization: Post).</summary>
    public SequenceSide Padding { get; init; } = SequenceSide.Post;

    /// <summary>Which end a long text loses (Keras's TextVectorization: Post, keeping the first tokens).</summary>
    public SequenceSide Truncating { get; init; } = SequenceSide.Post;

    /// <summary>The class names: output i of the model is class <c>Classes[i]</c>; empty when none were given.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    /// <summary>Throws <see cref="TextException"/> when a setting is out of range or a class name repeats.</summary>
    public void Validate()
    {
        if (SequenceLength is < 1 || !Enum.IsDefined(Padding) || !Enum.IsDefined(Truncating))
        {
            throw new TextException("TextRecipeInvalid", "The sequence length must be 1 or more, the padding and truncating sides Pre or Post.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string c in Classes)
        {
            if (string.IsNullOrEmpty(c) || !seen.Add(c))
            {
                throw new TextException("TextRecipeInvalid", string.IsNullOrEmpty(c) ? "A class name is empty." : $"The class name '{c}' appears twice.");
            }
        }
    }

    /// <summary>
    /// This recipe for <paramref name="model"/>: checked that the model takes token ids of this length (a model of fixed
    /// steps gives the length when the recipe has none), that a first Embedding layer has an id for every token, and,
    /// with classes, one output each (or one sigmoid output for two).
    /// </summary>
    /// <exception cref="ModelException"><c>TextRecipeMismatch</c>, saying what differs.</exception>
    public TextRecipe FitTo(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        CultureInfo c = CultureInfo.InvariantCulture;
        SampleShape input = model.InputShape;
        int? steps = input.IsSequence ? input.Time : input.Features;
        if (SequenceLength is null && steps is int fixedSteps)
        {
            return (this with { SequenceLength = fixedSteps }).FitTo(model);
        }

        string? problem = input.IsSequence && input.Features != 1 ? string.Create(c, $"takes {input.Features} features per step, not one token id")
            : steps is int t && SequenceLength != t ? string.Create(c, $"takes {t} token ids, not {SequenceLength}")
            : model.Layers.Count > 0 && model.Layers[0] is Embedding e && e.InputDim < Vocabulary.Count
                ? string.Create(c, $"embeds {e.InputDim} ids, fewer than the vocabulary's {Vocabulary.Count} (give Add-EmbeddingLayer -InputDim $vocabulary.Count)")
            : Classes.Count > 0 && model.Layers.Count > 0 && model.OutputShape.Features != Classes.Count && !(Classes.Count == 2 && model.OutputShape.Features == 1)
                ? string.Create(c, $"has {model.OutputShape.Features} outputs for the {Classes.Count} class names")
            : null;
        if (problem is not null)
        {
            throw new ModelException("TextRecipeMismatch",
                $"Model '{model.Name}' {problem}, so this vocabulary is not the one it was built for; give the vocabulary and settings the model is trained with.");
        }

        return this;
    }

    /// <summary>The model input for <paramref name="texts"/>: (texts, length) token ids, or (texts, length, 1) for a model of (steps, 1).</summary>
    public Tensor ToInput(IReadOnlyList<string> texts, SampleShape input)
    {
        (long[] ids, int length) = Vocabulary.Encode(texts, SequenceLength, Padding, Truncating);
        return input.IsSequence ? new Tensor(ids, texts.Count, length, 1) : new Tensor(ids, texts.Count, length);
    }
}
