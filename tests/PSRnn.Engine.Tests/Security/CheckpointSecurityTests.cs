using System.Text.Json.Nodes;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Security;

/// <summary>
/// Issue 12, item 11: a checkpoint's stored settings and counts pass exactly the rule Invoke-RnnTraining's parameters pass
/// (<see cref="FitOptions.Check"/>); each bad value is <c>CheckpointBadSetting</c>, naming it, instead of a raw
/// ArgumentOutOfRangeException mid-run, a silently accepted value, or an epoch loop that starts at int.MinValue.
/// </summary>
public sealed class CheckpointSecurityTests
{
    private static readonly Lazy<SafetensorsFile> Checkpoint = new(MakeCheckpoint);

    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(4, 2), "resume", 8);
        model.Add(new Lstm(3, dropout: 0.2f));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    private static Dataset Data(Sequential model)
    {
        var rng = new Rng(3);
        var x = new float[20 * 4 * 2];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        return Dataset.Create(new Tensor(x, 20, 4, 2), new Tensor(Enumerable.Range(0, 20).Select(i => (long)(i % 2)).ToArray(), 20), model);
    }

    private static FitOptions Settings(Action<EpochRecord, FitState>? completed = null, FitState? resume = null) => new()
    {
        Epochs = 3,
        BatchSize = 8,
        ValidationSplit = 0.2,
        EarlyStoppingPatience = 2,
        ClipNorm = 1,
        GlobalClipNorm = 2,
        ClipValue = 0.5,
        EpochCompleted = completed,
        Resume = resume,
    };

    private static SafetensorsFile MakeCheckpoint()
    {
        Sequential model = Model();
        Dataset data = Data(model);
        SafetensorsFile? file = null;
        Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data), new Adam(), Settings((_, state) =>
        {
            if (state.EpochsDone == 1)
            {
                file = ModelFile.ToSafetensors(model, includeOptimizerState: true, state);
            }
        }));
        return file!;
    }

    /// <summary>The checkpoint with <paramref name="change"/> made to its <c>checkpoint</c> metadata, as file bytes.</summary>
    private static byte[] Changed(Action<JsonObject> change)
    {
        SafetensorsFile good = Checkpoint.Value;
        JsonObject state = JsonNode.Parse(good.Metadata["checkpoint"])!.AsObject();
        change(state);
        var metadata = good.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        metadata["checkpoint"] = state.ToJsonString();
        using var stream = new MemoryStream();
        new SafetensorsFile(good.Tensors, metadata).Write(stream);
        return stream.ToArray();
    }

    private static DataFormatException Refused(byte[] file)
    {
        Assert.True(file.Length <= 1 << 20);
        return Assert.Throws<DataFormatException>(() => ModelFileCost.Within(() => ModelFileSecurityTests.Load(file)));
    }

    public static TheoryData<string, string, string> BadSettings() => new()
    {
        // key, JSON value, the Invoke-RnnTraining parameter whose rule it breaks
        { "batch_size", "0", "-BatchSize" },
        { "batch_size", "-32", "-BatchSize" },
        { "batch_size", "2147483648", "-BatchSize" },
        { "batch_size", "2.5", "-BatchSize" },
        { "epochs", "-1", "-Epochs" },
        { "epochs", "0", "-Epochs" },
        { "epochs", "1000001", "-Epochs" },
        { "clip_norm", "-1", "-ClipNorm" },
        { "clip_norm", "\"nan\"", "-ClipNorm" },
        { "global_clip_norm", "\"inf\"", "-GlobalClipNorm" },
        { "clip_value", "0", "-ClipValue" },
        { "clip_value", "-0.5", "-ClipValue" },
        { "validation_split", "-0.1", "-ValidationSplit" },
        { "validation_split", "1", "-ValidationSplit" },
        { "early_stopping_patience", "-1", "-EarlyStoppingPatience" },
        { "early_stopping_patience", "0", "-EarlyStoppingPatience" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void ASettingOutsideTheCmdletsRangeIsCheckpointBadSetting(string key, string value, string parameter)
    {
        DataFormatException e = Refused(Changed(c => c["settings"]![key] = JsonNode.Parse(value)));
        Assert.Equal("CheckpointBadSetting", e.ErrorId);
        Assert.Contains($"checkpoint.settings.{key}", e.Message, StringComparison.Ordinal);
        Assert.Contains(parameter, e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadCounts() => new()
    {
        // epochs_done 2^31 − 1 made the epoch loop start at int.MinValue: a hang with growing memory.
        { "epochs_done", "2147483647" },
        { "epochs_done", "1000001" },
        { "epochs_done", "-1" },
        { "wait", "-1" },
        { "wait", "2" },
        { "best_monitored", "\"nan\"" },
        { "best_monitored", "\"-inf\"" },
    };

    [Theory]
    [MemberData(nameof(BadCounts))]
    public void ARunCountOutOfRangeIsCheckpointBadSetting(string key, string value)
    {
        DataFormatException e = Refused(Changed(c => c[key] = JsonNode.Parse(value)));
        Assert.Equal("CheckpointBadSetting", e.ErrorId);
        Assert.Contains($"checkpoint.{key}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheUntouchedCheckpointLoadsAndResumes()
    {
        // The control: the same file, unchanged, loads within the bound and trains on.
        byte[] file = Changed(_ => { });
        LoadedModel loaded = ModelFileCost.Within(() => ModelFileSecurityTests.Load(file));
        FitState state = loaded.Checkpoint!;
        Assert.Equal(1, state.EpochsDone);
        Assert.Equal(0.5, state.Settings!.ClipValue);
        Assert.Equal(0.2, state.Settings.ValidationSplit);
        Dataset data = Data(loaded.Model);
        IReadOnlyList<EpochRecord> records = Trainer.Fit(loaded.Model, data, null, loaded.Model.Loss!, loaded.Model.Optimizer!, Settings(resume: state));
        Assert.Equal([2, 3], records.Select(r => r.Epoch));
    }

    [Fact]
    public void FitRefusesTheSameValuesUpFront()
    {
        Sequential model = Model();
        Dataset data = Data(model);
        Loss loss = Trainer.ResolveLoss(model, null, data);
        // Was an ArgumentOutOfRangeException from the first batch's clipping; now before any work.
        ArgumentOutOfRangeException clip = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { ClipValue = 0 }));
        Assert.Equal("ClipValue", clip.ParamName);
        // Was an epoch loop from int.MinValue.
        var runaway = new FitState { EpochsDone = int.MaxValue, Shuffle = new Rng(1).GetState() };
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { Resume = runaway }));
        Assert.Empty(model.History);
    }

    [Theory]
    [InlineData(FitSetting.Epochs, 1, true)]
    [InlineData(FitSetting.Epochs, 1_000_000, true)]
    [InlineData(FitSetting.Epochs, 1_000_001, false)]
    [InlineData(FitSetting.BatchSize, int.MaxValue, true)]
    [InlineData(FitSetting.BatchSize, 0, false)]
    [InlineData(FitSetting.ValidationSplit, 0, true)]
    [InlineData(FitSetting.ValidationSplit, 0.99, true)]
    [InlineData(FitSetting.ValidationSplit, 0.995, false)]
    [InlineData(FitSetting.ValidationSplit, double.NaN, false)]
    [InlineData(FitSetting.EarlyStoppingPatience, 1, true)]
    [InlineData(FitSetting.ClipNorm, 1e-30, true)]
    [InlineData(FitSetting.ClipNorm, 0, false)]
    [InlineData(FitSetting.GlobalClipNorm, double.PositiveInfinity, false)]
    [InlineData(FitSetting.ClipValue, double.MaxValue, true)]
    public void TheSharedRuleHasTheCmdletsRanges(FitSetting setting, double value, bool valid) =>
        Assert.Equal(valid, FitOptions.Check(setting, value) is null);
}
