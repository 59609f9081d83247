using PSRnn.Engine.Audio;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tests.Serialization;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Audio;

public sealed class AudioRecipeTests
{
    // Every setting away from its default, classes not in sorted order, so that a dropped or defaulted field shows.
    private static readonly AudioRecipe Recipe = new()
    {
        Options = new AudioFeatureOptions
        {
            SampleRate = 8000, Feature = AudioFeatureKind.LogMel, Coefficients = 7, MelBands = 2, Deltas = true,
            TrimSilenceDb = 37.5, Normalize = true,
        },
        Frames = 6,
        Padding = SequenceSide.Post,
        Truncating = SequenceSide.Pre,
        PaddingValue = -1000.25f,
        Classes = ["zebra", "apple"],
    };

    private static Sequential Model(int features = 6, int? steps = 6, int outputs = 2)
    {
        var model = new Sequential(SampleShape.Sequence(steps, features), "recipe", 5);
        model.Add(new Gru(4, dropout: 0.2f));
        model.Add(new Dense(outputs, ActivationKind.Softmax));
        return model;
    }

    private static void AssertSame(AudioRecipe want, AudioRecipe? got)
    {
        Assert.NotNull(got);
        Assert.Equal(want.Options, got.Options);
        Assert.Equal(want with { Classes = got.Classes }, got);
        Assert.Equal(want.Classes, got.Classes);
    }

    [Fact]
    public void TheRecipeComesBackFromTheModelFile()
    {
        Sequential model = Model();
        model.AudioRecipe = Recipe.FitTo(model);
        AssertSame(Recipe, ModelFileTests.RoundTrip(model, false).Model.AudioRecipe);
        Assert.Contains(AudioRecipeConfig.Key, ModelFile.ToSafetensors(model, false).Metadata.Keys);
    }

    [Fact]
    public void DefaultsAndAbsentSettingsComeBackAsTheyWere()
    {
        var plain = new AudioRecipe { Options = new AudioFeatureOptions() };
        Sequential model = Model(13, null, 3);
        model.AudioRecipe = plain;
        AudioRecipe back = ModelFileTests.RoundTrip(model, false).Model.AudioRecipe!;
        AssertSame(plain, back);
        Assert.Null(back.Frames);
        Assert.Null(back.Options.TrimSilenceDb);
    }

    [Fact]
    public void AModelWithoutARecipeWritesNoneAndLoadsWithNone()
    {
        Sequential model = Model();
        Assert.DoesNotContain(AudioRecipeConfig.Key, ModelFile.ToSafetensors(model, false).Metadata.Keys);
        Assert.Null(ModelFileTests.RoundTrip(model, false).Model.AudioRecipe);
    }

    [Fact]
    public void AModelFileFromBeforeRecipesLoadsWithNone()
    {
        // Committed before the recipe existed (tests/fixtures/models/make_psrnn_fixture.ps1).
        Sequential model = ModelFile.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "models", "psrnn_made.safetensors"));
        Assert.Null(model.AudioRecipe);
        Assert.NotEmpty(model.Layers);
    }

    [Theory]
    [InlineData("{\"sample_rate\":16000}", "classes")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Wavelet\",\"coefficients\":13,\"mel_bands\":40,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[]}", "feature")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Mfcc\",\"coefficients\":13,\"mel_bands\":40,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[\"a\",\"a\"]}", "'a' appears twice")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Mfcc\",\"coefficients\":50,\"mel_bands\":40,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[]}", "mel bands")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Mfcc\",\"coefficients\":13,\"mel_bands\":40,\"frames\":0,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[]}", "Frames")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Mfcc\",\"coefficients\":13,\"mel_bands\":40,\"stack_frames\":0,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[]}", "StackFrames")]
    [InlineData("{\"sample_rate\":16000,\"feature\":\"Mfcc\",\"coefficients\":13,\"mel_bands\":40,\"stack_frames\":65,\"padding\":\"Pre\",\"truncating\":\"Post\",\"padding_value\":0,\"classes\":[]}", "StackFrames")]
    [InlineData("[1]", "JSON object")]
    public void ABadRecipeFailsTheWholeFile(string json, string says)
    {
        SafetensorsFile good = ModelFile.ToSafetensors(Model(), false);
        var metadata = good.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata[AudioRecipeConfig.Key] = json;
        DataFormatException e = Assert.Throws<DataFormatException>(() =>
            ModelFile.FromSafetensors(new SafetensorsFile(good.Tensors, metadata), "bad.safetensors"));
        Assert.Equal("ModelBadConfig", e.ErrorId);
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(13, 6, 2, "takes 13 features per step, the recipe makes 6")]
    [InlineData(6, 9, 2, "takes 9 steps, the recipe makes 6")]
    [InlineData(6, 6, 3, "has 3 outputs for the recipe's 2 classes")]
    public void FitToRefusesAModelOfOtherFeaturesStepsOrClasses(int features, int steps, int outputs, string says)
    {
        ModelException e = Assert.Throws<ModelException>(() => Recipe.FitTo(Model(features, steps, outputs)));
        Assert.Equal("AudioRecipeMismatch", e.ErrorId);
        Assert.Contains(says, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FitToTakesAFixedStepModelsStepsWhenTheRecipeHasNoFrames()
    {
        AudioRecipe unpadded = Recipe with { Frames = null };
        Assert.Equal(9, unpadded.FitTo(Model(6, 9)).Frames);
        Assert.Null(unpadded.FitTo(Model(6, null)).Frames);
        Assert.Same(Recipe, Recipe.FitTo(Model()));

        // Two classes fit one sigmoid output as well as two softmax outputs.
        var binary = new Sequential(SampleShape.Sequence(6, 6), "binary", 1);
        binary.Add(new Gru(2));
        binary.Add(new Dense(1, ActivationKind.Sigmoid));
        Assert.Same(Recipe, Recipe.FitTo(binary));
    }

    [Fact]
    public void StackedFramesComeBackFromTheModelFileAndAnUnstackedRecipeIsWrittenAsBefore()
    {
        AudioRecipe stacked = Recipe with { Options = Recipe.Options with { StackFrames = 3 } };
        Assert.Equal(18, stacked.FeatureCount);
        Sequential model = Model(18);
        model.AudioRecipe = stacked.FitTo(model);
        AssertSame(stacked, ModelFileTests.RoundTrip(model, false).Model.AudioRecipe);
        Assert.Contains("\"stack_frames\":3", ModelFile.ToSafetensors(model, false).Metadata[AudioRecipeConfig.Key], StringComparison.Ordinal);

        Sequential plain = Model();
        plain.AudioRecipe = Recipe;
        Assert.DoesNotContain("stack_frames", ModelFile.ToSafetensors(plain, false).Metadata[AudioRecipeConfig.Key], StringComparison.Ordinal);
    }

    [Fact]
    public void FeatureCountFollowsKindAndDeltas()
    {
        Assert.Equal(6, Recipe.FeatureCount);
        Assert.Equal(13, new AudioRecipe { Options = new AudioFeatureOptions() }.FeatureCount);
        Assert.Equal(39, new AudioRecipe { Options = new AudioFeatureOptions { Deltas = true } }.FeatureCount);
        Assert.Equal(1, new AudioRecipe { Options = new AudioFeatureOptions { Feature = AudioFeatureKind.Raw } }.FeatureCount);
    }

    [Fact]
    public void ACheckpointKeepsTheRecipeAndAResumedRunEqualsAnUninterruptedOne()
    {
        // Two features per step, as ModelFileTests.Data makes.
        AudioRecipe recipe = Recipe with { Options = Recipe.Options with { Deltas = false } };
        Sequential straight = Model(2);
        straight.AudioRecipe = recipe.FitTo(straight);
        Dataset data = ModelFileTests.Data(straight, 30);
        Loss loss = Trainer.ResolveLoss(straight, null, data);
        Trainer.Fit(straight, data, null, loss, new Adam(0.01f), new FitOptions { Epochs = 3, BatchSize = 8 });

        Sequential interrupted = Model(2);
        interrupted.AudioRecipe = recipe;
        LoadedModel loaded = InterruptedRun.Checkpoint(interrupted, data, null, loss, epochs: 3, stopAfter: 1);
        AssertSame(recipe, loaded.Model.AudioRecipe);

        // Resumed into a model piped without a recipe (Invoke-RnnTraining -ResumeFrom): the checkpoint's comes with the state.
        Sequential resumed = Model(2);
        ModelFile.RestoreInto(resumed, loaded.Model);
        Trainer.Fit(resumed, data, null, resumed.Loss!, resumed.Optimizer!, new FitOptions { Epochs = 3, BatchSize = 8, Resume = loaded.Checkpoint });
        Assert.Equal(straight.SnapshotWeights(), resumed.SnapshotWeights());
        AssertSame(recipe, resumed.AudioRecipe);
    }
}
