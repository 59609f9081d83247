using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Tests.Training;

/// <summary>Issue 16's losses in training: each lowers itself, travels in model files, and resumes bit for bit.</summary>
public class KerasLossTrainingTests
{
    private const int Samples = 48, Steps = 5, Features = 2;

    public static TheoryData<string> LossNames => new()
    {
        "huber", "log_cosh", "kl_divergence", "poisson", "cosine_similarity", "categorical_focal_crossentropy", "binary_focal_crossentropy",
    };

    private static (Sequential Model, Dataset Data) Problem(string loss)
    {
        (int width, ActivationKind activation) = loss switch
        {
            "kl_divergence" or "categorical_focal_crossentropy" => (3, ActivationKind.Softmax),
            "poisson" => (1, ActivationKind.Softplus),
            "binary_focal_crossentropy" => (1, ActivationKind.Sigmoid),
            "cosine_similarity" => (3, ActivationKind.Linear),
            _ => (2, ActivationKind.Linear),
        };
        var model = new Sequential(SampleShape.Sequence(Steps, Features), "loss16", 16);
        model.Add(new Lstm(6));
        model.Add(new Dense(width, activation));
        var rng = new Rng(5);
        var x = new float[Samples * Steps * Features];
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.Uniform(-1, 1);
        }

        var y = new float[Samples * width];
        for (int n = 0; n < Samples; n++)
        {
            float first = x[n * Steps * Features], second = x[(n * Steps * Features) + 1];
            int cls = first > 0.3f ? 2 : first > -0.3f ? 1 : 0;
            for (int j = 0; j < width; j++)
            {
                y[(n * width) + j] = loss switch
                {
                    "kl_divergence" => j == cls ? 0.8f : 0.1f,
                    "categorical_focal_crossentropy" => j == cls ? 1f : 0f,
                    "poisson" => first > 0 ? 3f : 0f,
                    "binary_focal_crossentropy" => first > 0 ? 1f : 0f,
                    "cosine_similarity" => j == 0 ? first : j == 1 ? second : 0.5f,
                    _ => j == 0 ? first * 2 : second,
                };
            }
        }

        return (model, Dataset.Create(new Tensor(x, Samples, Steps, Features), new Tensor(y, Samples, width), model));
    }

    [Theory]
    [MemberData(nameof(LossNames))]
    public void TrainingLowersTheLoss(string name)
    {
        (Sequential model, Dataset data) = Problem(name);
        Loss loss = Trainer.ResolveLoss(model, name, data);
        IReadOnlyList<EpochRecord> records = Trainer.Fit(model, data, null, loss, new Adam(0.03f), new FitOptions { Epochs = 8, BatchSize = 16, ThreadCount = 1 });
        Assert.True(records[^1].Loss < records[0].Loss, $"{name}: {records[0].Loss} → {records[^1].Loss}");
        Assert.Equal(name, model.Loss!.KerasName);
    }

    [Theory]
    [InlineData("huber", "delta", 0.25)]
    [InlineData("categorical_focal_crossentropy", "gamma", 1.25)]
    [InlineData("binary_focal_crossentropy", "apply_class_balancing", true)]
    public void TheLossAndItsOptionsRoundTripThroughTheModelFile(string name, string option, object value)
    {
        (Sequential model, Dataset data) = Problem(name);
        Loss loss = Trainer.ResolveLoss(model, name, data, new Dictionary<string, object?> { [option] = value });
        Trainer.Fit(model, data, null, loss, new Adam(), new FitOptions { Epochs = 1, ThreadCount = 1 });
        Loss back = ModelFile.FromSafetensors(ModelFile.ToSafetensors(model, includeOptimizerState: false), null).Model.Loss!;
        Assert.Equal(name, back.KerasName);
        Assert.Equal(loss.Config.OrderBy(p => p.Key), back.Config.OrderBy(p => p.Key));
        Assert.Equal(value, back.Config[option]);
    }

    [Theory]
    [InlineData("huber")]
    [InlineData("binary_focal_crossentropy")]
    public void AnInterruptedRunResumesBitForBit(string name)
    {
        var options = new Dictionary<string, object?>(name == "huber"
            ? [new("delta", 0.3)] : [new("gamma", 1.5), new("alpha", 0.4), new("apply_class_balancing", true)]);
        FitOptions Settings(Action<EpochRecord, FitState>? completed = null, FitState? resume = null) => new()
        {
            Epochs = 4, BatchSize = 10, ThreadCount = 1, EpochCompleted = completed, Resume = resume,
            Metrics = name == "huber" ? null : ["precision", "recall", "auc", "pr_auc"],
        };

        (Sequential whole, Dataset data) = Problem(name);
        Trainer.Fit(whole, data, null, Trainer.ResolveLoss(whole, name, data, options), new Adam(0.02f), Settings());

        (Sequential first, _) = Problem(name);
        SafetensorsFile? checkpoint = null;
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(first, data, null, Trainer.ResolveLoss(first, name, data, options), new Adam(0.02f),
            Settings((_, state) =>
            {
                if (state.EpochsDone == 2)
                {
                    checkpoint = ModelFile.ToSafetensors(first, includeOptimizerState: true, state);
                    throw new OperationCanceledException();
                }
            })));

        LoadedModel loaded = ModelFile.FromSafetensors(checkpoint!, null);
        Assert.Equal(options.OrderBy(p => p.Key).Select(p => p.Value), loaded.Model.Loss!.Config.Where(p => options.ContainsKey(p.Key)).OrderBy(p => p.Key).Select(p => p.Value));
        Trainer.Fit(loaded.Model, data, null, loaded.Model.Loss!, loaded.Model.Optimizer!, Settings(resume: loaded.Checkpoint));
        Assert.Equal(whole.SnapshotWeights(), loaded.Model.SnapshotWeights());
        Assert.Equal(whole.History.Select(r => r.Loss), loaded.Model.History.Select(r => r.Loss));
        Assert.Equal(whole.History.Select(r => string.Join(",", r.Metrics)), loaded.Model.History.Select(r => string.Join(",", r.Metrics)));
    }

    [Fact]
    public void MetricsReportUnderKerasNamesInTheHistory()
    {
        (Sequential model, Dataset data) = Problem("binary_focal_crossentropy");
        Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, "binary_focal_crossentropy", data), new Adam(0.03f),
            new FitOptions { Epochs = 2, ThreadCount = 1, Metrics = ["precision", "recall", "auc", "pr_auc"] });
        Assert.Equal(["auc", "pr_auc", "precision", "recall"], model.History[^1].Metrics.Keys.Order());
        Assert.All(model.History[^1].Metrics.Values, v => Assert.InRange(v, 0, 1));
    }

    [Fact]
    public void TargetsAndOptionsTheLossCannotTakeAreRefusedUpFront()
    {
        var model = new Sequential(SampleShape.Sequence(Steps, Features), "loss16", 16);
        model.Add(new Lstm(3));
        model.Add(new Dense(3, ActivationKind.Softmax));
        Dataset labels = Dataset.Create(new Tensor(new float[4 * Steps * Features], 4, Steps, Features), new Tensor(new long[] { 0, 1, 2, 1 }, 4), model);
        Assert.Equal("LossTargetMismatch",
            Assert.Throws<ModelException>(() => Trainer.ResolveLoss(model, "categorical_focal_crossentropy", labels)).ErrorId);
        Assert.Equal("LossOptionWithoutLoss", Assert.Throws<ModelException>(() =>
            Trainer.ResolveLoss(model, null, labels, new Dictionary<string, object?> { ["delta"] = 1.0 })).ErrorId);

        // Refused before training touches the model, which keeps no loss.
        Dataset negative = Dataset.Create(new Tensor(new float[4 * Steps * Features], 4, Steps, Features), new Tensor(new float[] { 0, 1, 2, 1, 0, 0, 0, 0, 0, 0, 0, -1 }, 4, 3), model);
        Assert.Equal("LossTargetNegative", Assert.Throws<ModelException>(() => Trainer.ResolveLoss(model, "poisson", negative)).ErrorId);
        Assert.Null(model.Loss);
    }

    [Theory]
    [InlineData("compiled_huber", "huber", "delta", 0.5)]
    [InlineData("compiled_focal", "binary_focal_crossentropy", "gamma", 3.0)]
    [InlineData("compiled_kld", "kl_divergence", null, null)]
    [InlineData("compiled_smoothed", null, null, null)]
    [InlineData("compiled_custom", null, null, null)]
    public void AKerasModelFileBringsItsCompiledLossWhenPsrnnHasIt(string file, string? kerasName, string? option, object? value)
    {
        Sequential model = KerasHdf5File.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "losses16", file + ".h5"));
        Assert.Equal(kerasName, model.Loss?.KerasName);
        if (option is not null)
        {
            Assert.Equal(value, model.Loss!.Config[option]);
        }

        if (file == "compiled_focal")
        {
            Assert.Equal(true, model.Loss!.Config["apply_class_balancing"]);
            Assert.Equal(0.4, model.Loss.Config["alpha"]);
        }
    }
}
