using System.Globalization;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;

namespace PSRnn.Engine.Audio;

/// <summary>
/// Everything a model's audio features depend on: the <see cref="AudioFeatureOptions"/> (rate, kind, coefficients, mel
/// bands, deltas, trimming, normalization, stacked frames), how sequences are fitted to the model's steps (frames, padding and
/// truncating sides, padding value) and the class names in index order. A model file keeps it beside the configuration,
/// so that new audio is turned into exactly the features the model was trained on — as Keras keeps preprocessing layers
/// inside the model.
/// </summary>
public sealed record AudioRecipe
{
    /// <summary>The feature settings.</summary>
    public required AudioFeatureOptions Options { get; init; }

    /// <summary>The steps every sequence is padded or truncated to, or null: each batch is padded to its longest file.</summary>
    public int? Frames { get; init; }

    /// <summary>Where padding goes.</summary>
    public SequenceSide Padding { get; init; } = SequenceSide.Pre;

    /// <summary>Which end truncation drops.</summary>
    public SequenceSide Truncating { get; init; } = SequenceSide.Post;

    /// <summary>The value of every feature of a padding step.</summary>
    public float PaddingValue { get; init; }

    /// <summary>The class names: output i of the model is class <c>Classes[i]</c>; empty when the features had no labels.</summary>
    public IReadOnlyList<string> Classes { get; init; } = [];

    /// <summary>Features per step: the coefficients (MFCC), mel bands (LogMel) or 1 (Raw), three times that with deltas,
    /// times the stacked frames.</summary>
    public int FeatureCount => (Options.Feature switch
    {
        AudioFeatureKind.Mfcc => Options.Coefficients,
        AudioFeatureKind.LogMel => Options.MelBands,
        _ => 1,
    }) * (Options.Deltas ? 3 : 1) * Options.StackFrames;

    /// <summary>Throws <see cref="ArgumentException"/> when a setting is out of range or a class name repeats.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Options);
        Options.Validate();
        if (Frames is int f)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(f, 1, nameof(Frames));
        }

        if (!float.IsFinite(PaddingValue))
        {
            throw new ArgumentOutOfRangeException(nameof(PaddingValue), PaddingValue, "The padding value must be a finite number.");
        }

        if (!Enum.IsDefined(Padding) || !Enum.IsDefined(Truncating) || !Enum.IsDefined(Options.Feature))
        {
            throw new ArgumentException("The padding and truncating sides must be Pre or Post, the feature Mfcc, LogMel or Raw.", nameof(Padding));
        }

        string? repeated = Classes.GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (Classes.Any(string.IsNullOrEmpty) || repeated is not null)
        {
            throw new ArgumentException(repeated is null ? "A class name is empty." : $"The class name '{repeated}' appears twice.", nameof(Classes));
        }
    }

    /// <summary>
    /// This recipe for <paramref name="model"/>: checked that the model takes these features (and, when there are classes,
    /// has one output each, or one sigmoid output for two); without <see cref="Frames"/> and for a model of fixed steps,
    /// with <see cref="Frames"/> set to those steps (the stack was padded to its longest file, which the model's steps are).
    /// </summary>
    /// <exception cref="ModelException"><c>AudioRecipeMismatch</c>, saying what differs.</exception>
    public AudioRecipe FitTo(Sequential model)
    {
        ArgumentNullException.ThrowIfNull(model);
        SampleShape input = model.InputShape;
        if (Frames is null && input is { IsSequence: true, Time: int steps })
        {
            return (this with { Frames = steps }).FitTo(model);
        }

        string? problem = !input.IsSequence ? "takes token sequences, not audio features"
            : input.Features != FeatureCount ? string.Create(CultureInfo.InvariantCulture, $"takes {input.Features} features per step, the recipe makes {FeatureCount}")
            : input.Time is int t && Frames != t ? string.Create(CultureInfo.InvariantCulture, $"takes {t} steps, the recipe makes {(Frames is int f ? f.ToString(CultureInfo.InvariantCulture) : "as many as the longest file")}")
            : Classes.Count > 0 && model.Layers.Count > 0 && model.OutputShape.Features != Classes.Count && !(Classes.Count == 2 && model.OutputShape.Features == 1)
                ? string.Create(CultureInfo.InvariantCulture, $"has {model.OutputShape.Features} outputs for the recipe's {Classes.Count} classes")
            : null;
        if (problem is not null)
        {
            throw new ModelException("AudioRecipeMismatch",
                $"Model '{model.Name}' {problem}, so this recipe is not the one it was built for; give the dataset or recipe of the features the model is trained on.");
        }

        return this;
    }

    /// <summary>Reads a WAV file and computes its features, unpadded: (frames, features).</summary>
    /// <exception cref="Data.DataFormatException">The file is not readable audio (as <see cref="WavReader"/>).</exception>
    public Tensor Compute(string path)
    {
        WavAudio audio = WavReader.Read(path);
        return AudioFeatures.Compute(AudioFeatures.Prepare(audio, Options, path), Options, path);
    }

    /// <summary>Stacks per-file features into (N, steps, features) as Import-RnnAudio -Stack does: to <see cref="Frames"/>, else the longest.</summary>
    public Tensor Stack(IReadOnlyList<Tensor> sequences) => SequenceFitting.Stack(sequences, Frames, Padding, Truncating, PaddingValue);
}
