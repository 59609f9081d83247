using System.Text.Json;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Serialization;
using PSRnn.Engine.Tests.Serialization;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Schedules;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// Learning-rate schedules and ReduceLROnPlateau (issue 16, point 1) against fixtures/schedules/schedules.json, written
/// by make_schedules.py: NumPy transcriptions of Keras 3's formulas, cross-checked there with torch's
/// CosineAnnealingWarmRestarts and ReduceLROnPlateau where they share Keras's formula.
/// </summary>
public sealed class ScheduleTests
{
    private static readonly Lazy<JsonDocument> Fixtures = new(() => JsonDocument.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "schedules", "schedules.json"))));

    public static TheoryData<string> ScheduleNames => Names("schedules");

    public static TheoryData<string> PlateauNames => Names("plateau");

    [Theory]
    [MemberData(nameof(ScheduleNames))]
    public void EveryStepMatchesKerasFormula(string name)
    {
        JsonElement c = Case("schedules", name);
        LearningRateSchedule schedule = FromFixture(c);
        long[] steps = [.. c.GetProperty("steps").EnumerateArray().Select(s => s.GetInt64())];
        double[] rates = [.. c.GetProperty("rates").EnumerateArray().Select(r => r.GetDouble())];
        Assert.True(steps.Length > 100);
        for (int i = 0; i < steps.Length; i++)
        {
            double actual = schedule.RateAt(steps[i]);
            Assert.True(Math.Abs(actual - rates[i]) <= 1e-6 * Math.Abs(rates[i]) + 1e-12,
                $"{name} at step {steps[i]}: {actual}, Keras's formula {rates[i]}");
        }

        // The kind and arguments survive Keras's serialized form, and give the same rates.
        LearningRateSchedule again = ScheduleConfig.Read(Serialized(schedule), "test");
        Assert.Equal(schedule.ToString(), again.ToString());
        Assert.Equal(schedule.RatesTo(300), again.RatesTo(300));
    }

    [Theory]
    [MemberData(nameof(PlateauNames))]
    public void ReduceLROnPlateauReducesWhenAndAsKerasWould(string name)
    {
        JsonElement c = Case("plateau", name);
        JsonElement s = c.GetProperty("settings");
        var plateau = new ReduceLROnPlateau(s.GetProperty("factor").GetDouble(), s.GetProperty("patience").GetInt32(),
            s.GetProperty("min_delta").GetDouble(), s.GetProperty("cooldown").GetInt32(), s.GetProperty("min_lr").GetDouble());
        var optimizer = new Sgd((float)s.GetProperty("lr").GetDouble());
        var state = new PlateauState();
        double[] losses = [.. c.GetProperty("losses").EnumerateArray().Select(v => v.GetDouble())];
        double[] logged = [.. c.GetProperty("logged").EnumerateArray().Select(v => v.GetDouble())];
        double[] rates = [.. c.GetProperty("rates").EnumerateArray().Select(v => v.GetDouble())];
        for (int epoch = 0; epoch < losses.Length; epoch++)
        {
            Assert.Equal((float)logged[epoch], optimizer.LearningRate);
            plateau.OnEpochEnd(state, losses[epoch], optimizer);
            Assert.True((float)rates[epoch] == optimizer.LearningRate, $"{name}, epoch {epoch + 1}: {optimizer.LearningRate}, Keras {rates[epoch]}");
        }
    }

    [Fact]
    public void TheOptimizerStepsWithTheScheduleRateAtItsIterationCount()
    {
        var schedule = new CosineDecayRestarts(0.1, 3, 2, 0.7, 0.1);
        var optimizer = new Sgd(0.5f) { Schedule = schedule };
        var p = new Parameter("w", 1);
        p.Gradient[0] = 1;
        for (int t = 0; t < 40; t++)
        {
            Assert.Equal(schedule.RateAt(t), optimizer.LearningRate);
            p.Value[0] = 0;
            optimizer.Step([p]);
            Assert.Equal(-schedule.RateAt(t), p.Value[0]);
        }

        Assert.Throws<InvalidOperationException>(() => optimizer.LearningRate = 0.1f);
    }

    [Fact]
    public void FitUsesTheScheduleEveryStepAndRecordsTheRateEachEpochEndedWith()
    {
        var schedule = new ExponentialDecay(0.05, 3, 0.5, staircase: true);
        Sequential scheduled = Model();
        Dataset data = ModelFileTests.Data(scheduled, 40);
        Loss loss = Trainer.ResolveLoss(scheduled, null, data);
        var options = new FitOptions { Epochs = 3, BatchSize = 8 };
        Trainer.Fit(scheduled, data, null, loss, new Adam(0.05f) { Schedule = schedule }, options);

        // The same run with a constant rate set by hand before each step to what the schedule says for it.
        Sequential manual = Model();
        var adam = new Adam(schedule.RateAt(0));
        Trainer.Fit(manual, data, null, loss, adam, new FitOptions
        {
            Epochs = 3,
            BatchSize = 8,
            Progress = _ => adam.LearningRate = schedule.RateAt(adam.Iterations),
        });
        Assert.Equal(manual.SnapshotWeights(), scheduled.SnapshotWeights());
        Assert.Equal(15, scheduled.Optimizer!.Iterations);
        Assert.Equal([schedule.RateAt(5), schedule.RateAt(10), schedule.RateAt(15)], scheduled.History.Select(r => r.LearningRate));

        // A second run goes on counting from the optimizer's iterations.
        Trainer.Fit(scheduled, data, null, loss, scheduled.Optimizer!, new FitOptions { Epochs = 1, BatchSize = 8 });
        Assert.Equal(schedule.RateAt(20), scheduled.History[^1].LearningRate);
    }

    [Fact]
    public void ARateThatTurnsInvalidStopsTrainingWithTheLastCompletedEpoch()
    {
        // t_mul 0.5: the periods sum to 2 × 4 = 8 steps, after which Keras's formula is NaN.
        var schedule = new CosineDecayRestarts(0.01, 4, 0.5);
        Sequential model = Model();
        Dataset data = ModelFileTests.Data(model, 40);
        Loss loss = Trainer.ResolveLoss(model, null, data);
        float[]? afterFirst = null;
        ModelException e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, loss, new Adam() { Schedule = schedule },
            new FitOptions { Epochs = 3, BatchSize = 8, EpochCompleted = (_, _) => afterFirst ??= model.SnapshotWeights() }));
        Assert.Equal("ScheduledLearningRateInvalid", e.ErrorId);
        Assert.Contains("step 8", e.Message, StringComparison.Ordinal);
        Assert.Single(model.History);
        Assert.Equal(afterFirst, model.SnapshotWeights());
        Assert.Equal(5, model.Optimizer!.Iterations);
    }

    [Theory]
    [InlineData("ExponentialDecay", "LearningRateScheduleStepsNotPositive")]
    [InlineData("ExponentialRate", "LearningRateScheduleInvalidFactor")]
    [InlineData("InitialRate", "LearningRateScheduleRateInvalid")]
    [InlineData("Boundaries", "LearningRateScheduleBoundariesNotIncreasing")]
    [InlineData("Values", "LearningRateScheduleValuesCountMismatch")]
    [InlineData("Alpha", "LearningRateScheduleInvalidFactor")]
    [InlineData("TMul", "LearningRateScheduleInvalidFactor")]
    [InlineData("Power", "LearningRateScheduleInvalidFactor")]
    [InlineData("Factor", "ReduceLRFactorOutOfRange")]
    [InlineData("Patience", "ReduceLRSettingOutOfRange")]
    public void BadArgumentsAreRefusedWithStableIds(string what, string id)
    {
        Action create = what switch
        {
            "ExponentialDecay" => () => _ = new ExponentialDecay(0.1, 0, 0.5),
            "ExponentialRate" => () => _ = new ExponentialDecay(0.1, 10, -0.5),
            "InitialRate" => () => _ = new InverseTimeDecay(double.NaN, 10, 0.5),
            "Boundaries" => () => _ = new PiecewiseConstantDecay([10, 10], [1, 2, 3]),
            "Values" => () => _ = new PiecewiseConstantDecay([10, 20], [1, 2]),
            "Alpha" => () => _ = new CosineDecay(0.1, 10, -0.1),
            "TMul" => () => _ = new CosineDecayRestarts(0.1, 10, 0),
            "Power" => () => _ = new PolynomialDecay(0.1, 10, power: -1),
            "Factor" => () => _ = new ReduceLROnPlateau(factor: 1.0),
            _ => () => _ = new ReduceLROnPlateau(patience: -1),
        };
        Assert.Equal(id, Assert.Throws<ModelException>(create).ErrorId);
    }

    [Theory]
    [InlineData("""{"class_name": "StepDecay", "config": {}}""")]
    [InlineData("""{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 0, "decay_rate": 0.5}}""")]
    [InlineData("""{"class_name": "PiecewiseConstantDecay", "config": {"boundaries": [1.5], "values": [0.1, 0.2]}}""")]
    [InlineData("""{"class_name": "CosineDecay", "config": {"decay_steps": 10}}""")]
    public void AModelFileWithABadScheduleIsRefusedAsABadConfig(string serialized)
    {
        using JsonDocument config = JsonDocument.Parse($$"""{"learning_rate": {{serialized}}}""");
        ModelConfigException e = Assert.Throws<ModelConfigException>(() => ScheduleConfig.ReadOptimizer("adam", config.RootElement, "training_config.optimizer"));
        Assert.Equal("ModelBadConfig", e.ErrorId);
        Assert.Contains("training_config.optimizer.config.learning_rate", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PlateauWithAScheduleIsRefused()
    {
        Sequential model = Model();
        Dataset data = ModelFileTests.Data(model, 16);
        ModelException e = Assert.Throws<ModelException>(() => Trainer.Fit(model, data, null, Trainer.ResolveLoss(model, null, data),
            new Adam() { Schedule = new CosineDecay(0.1, 10) }, new FitOptions { ReduceLROnPlateau = new ReduceLROnPlateau() }));
        Assert.Equal("ReduceLROnPlateauWithSchedule", e.ErrorId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ResumingEndsBitIdenticalToAnUninterruptedRun(bool plateau)
    {
        Optimizer NewOptimizer() => plateau ? new Sgd(0.5f) : new Adam(0.01f) { Schedule = new PolynomialDecay(0.02, 7, 0.001, 2, cycle: true) };
        FitOptions Options(Action<EpochRecord, FitState>? completed = null, CancellationToken stop = default) => new()
        {
            Epochs = 6,
            BatchSize = 8,
            ReduceLROnPlateau = plateau ? new ReduceLROnPlateau(0.5, 1, 0.05, 1) : null,
            EpochCompleted = completed,
            Cancellation = stop,
        };

        Sequential straight = Model();
        Dataset data = ModelFileTests.Data(straight, 40);
        Dataset validation = ModelFileTests.Data(straight, 16, 7);
        Loss loss = Trainer.ResolveLoss(straight, null, data);
        Trainer.Fit(straight, data, validation, loss, NewOptimizer(), Options());
        if (plateau)
        {
            Assert.True(straight.History.Select(r => r.LearningRate).Distinct().Count() > 2, "the scripted run reduces the rate more than once");
        }

        Sequential interrupted = Model();
        using var stop = new CancellationTokenSource();
        byte[]? checkpoint = null;
        Assert.Throws<OperationCanceledException>(() => Trainer.Fit(interrupted, data, validation, loss, NewOptimizer(), Options((_, state) =>
        {
            using var buffer = new MemoryStream();
            ModelFile.ToSafetensors(interrupted, true, state).Write(buffer);
            checkpoint = buffer.ToArray();
            if (state.EpochsDone == 3)
            {
                stop.Cancel();
            }
        }, stop.Token)));

        LoadedModel loaded = ModelFile.FromSafetensors(SafetensorsFile.Read(new MemoryStream(checkpoint!), null), null);
        FitState saved = Assert.IsType<FitState>(loaded.Checkpoint);
        Assert.Equal(plateau, saved.Plateau is not null);
        Assert.Equal(plateau, saved.Settings!.ReduceLROnPlateau is not null);
        Assert.Equal(!plateau, loaded.Model.Optimizer!.Schedule is PolynomialDecay);
        Sequential resumed = loaded.Model;
        // The plateau's settings from the file, as Invoke-RnnTraining -ResumeFrom takes them.
        Trainer.Fit(resumed, data, validation, resumed.Loss!, resumed.Optimizer!,
            new FitOptions { Epochs = 6, BatchSize = 8, ReduceLROnPlateau = saved.Settings.ReduceLROnPlateau, Resume = saved });

        Assert.Equal(straight.SnapshotWeights(), resumed.SnapshotWeights());
        Assert.Equal(straight.History.Select(r => r.LearningRate), resumed.History.Select(r => r.LearningRate));
        Assert.Equal(straight.History.Select(r => r.Loss), resumed.History.Select(r => r.Loss));
        Assert.Equal(straight.Optimizer!.LearningRate, resumed.Optimizer!.LearningRate);
    }

    private static Sequential Model()
    {
        var model = new Sequential(SampleShape.Sequence(6, 2), "schedule", 16);
        model.Add(new Gru(5));
        model.Add(new Dense(2, ActivationKind.Softmax));
        return model;
    }

    private static LearningRateSchedule FromFixture(JsonElement c)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("class_name", c.GetProperty("class_name").GetString());
            w.WritePropertyName("config");
            c.GetProperty("config").WriteTo(w);
            w.WriteEndObject();
        }

        return ScheduleConfig.Read(JsonDocument.Parse(buffer.ToArray()).RootElement, "fixture");
    }

    private static JsonElement Serialized(LearningRateSchedule schedule)
    {
        var optimizer = new Sgd() { Schedule = schedule };
        Dictionary<string, object?> config = ScheduleConfig.WithSchedule(optimizer, []);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            JsonConfig.Write(w, config["learning_rate"]);
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement;
    }

    private static JsonElement Case(string section, string name) =>
        Fixtures.Value.RootElement.GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    private static TheoryData<string> Names(string section)
    {
        var names = new TheoryData<string>();
        foreach (JsonElement c in Fixtures.Value.RootElement.GetProperty(section).EnumerateArray())
        {
            names.Add(c.GetProperty("name").GetString()!);
        }

        return names;
    }
}
