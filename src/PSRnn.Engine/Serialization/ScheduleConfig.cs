using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Schedules;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Learning-rate schedules and ReduceLROnPlateau in model files and checkpoints. A schedule is written where Keras 3
/// writes it, as the optimizer config's <c>learning_rate</c>, in serialize_keras_object's form
/// (<c>{"module": "keras.optimizers.schedules", "class_name": "ExponentialDecay", "config": {…}}</c>); the plateau's
/// settings go in the checkpoint's settings and its state in the checkpoint.
/// </summary>
internal static class ScheduleConfig
{
    /// <summary>The optimizer's config with its schedule, if any, as the learning rate.</summary>
    public static Dictionary<string, object?> WithSchedule(Optimizer optimizer, Dictionary<string, object?> config)
    {
        if (optimizer.Schedule is { } schedule)
        {
            config["learning_rate"] = new Dictionary<string, object?>
            {
                ["module"] = "keras.optimizers.schedules",
                ["class_name"] = schedule.KerasName,
                ["config"] = schedule.GetConfig(),
                ["registered_name"] = null,
            };
        }

        return config;
    }

    /// <summary>An optimizer from its config, with the schedule its learning rate may hold.</summary>
    public static Optimizer ReadOptimizer(string name, JsonElement config, string where)
    {
        if (JsonConfig.Member(config, "learning_rate") is not { ValueKind: JsonValueKind.Object } serialized)
        {
            return OptimizerConfig.FromConfig(name, config, where);
        }

        LearningRateSchedule schedule = Read(serialized, where + ".config.learning_rate");
        // The optimizer's own constant is the schedule's first rate; the schedule drives every step.
        JsonObject plain = JsonNode.Parse(config.GetRawText())!.AsObject();
        plain["learning_rate"] = (double)schedule.InitialRate;
        using JsonDocument document = JsonDocument.Parse(plain.ToJsonString());
        Optimizer optimizer = OptimizerConfig.FromConfig(name, document.RootElement, where);
        optimizer.Schedule = schedule;
        return optimizer;
    }

    /// <summary>A schedule from Keras's serialized form (class_name and config; module and name are not needed).</summary>
    /// <exception cref="ModelConfigException">An unknown class or a value a schedule refuses.</exception>
    public static LearningRateSchedule Read(JsonElement serialized, string where)
    {
        string kind = JsonConfig.String(serialized, "class_name", where);
        JsonElement c = JsonConfig.RequireObject(serialized, "config", where);
        string at = where + ".config";
        try
        {
            return kind switch
            {
                "ExponentialDecay" => new ExponentialDecay(Number(c, "initial_learning_rate", at), Number(c, "decay_steps", at),
                    Number(c, "decay_rate", at), JsonConfig.Bool(c, "staircase", at, false)),
                "InverseTimeDecay" => new InverseTimeDecay(Number(c, "initial_learning_rate", at), Number(c, "decay_steps", at),
                    Number(c, "decay_rate", at), JsonConfig.Bool(c, "staircase", at, false)),
                "PiecewiseConstantDecay" => new PiecewiseConstantDecay(
                    [.. Numbers(c, "boundaries", at).Select(b => b == Math.Floor(b) && Math.Abs(b) < 9e15 ? (long)b : throw JsonConfig.Bad(at + ".boundaries", "a list of whole steps"))],
                    Numbers(c, "values", at)),
                "PolynomialDecay" => new PolynomialDecay(Number(c, "initial_learning_rate", at), Number(c, "decay_steps", at),
                    Number(c, "end_learning_rate", at, 0.0001), Number(c, "power", at, 1.0), JsonConfig.Bool(c, "cycle", at, false)),
                "CosineDecay" => new CosineDecay(Number(c, "initial_learning_rate", at), Number(c, "decay_steps", at), Number(c, "alpha", at, 0.0),
                    JsonConfig.Member(c, "warmup_target") is { } t ? JsonConfig.ReadDouble(t, at + ".warmup_target") : null, Number(c, "warmup_steps", at, 0)),
                "CosineDecayRestarts" => new CosineDecayRestarts(Number(c, "initial_learning_rate", at), Number(c, "first_decay_steps", at),
                    Number(c, "t_mul", at, 2.0), Number(c, "m_mul", at, 1.0), Number(c, "alpha", at, 0.0)),
                _ => throw new ModelConfigException("ModelBadConfig",
                    $"The model configuration's {where} names the learning-rate schedule '{kind}'; PSRnn has ExponentialDecay, PiecewiseConstantDecay, " +
                    "CosineDecay, CosineDecayRestarts, InverseTimeDecay and PolynomialDecay."),
            };
        }
        catch (ModelException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} is invalid: {e.Message}", e);
        }
    }

    /// <summary>The plateau's settings, in the checkpoint's settings object.</summary>
    public static void WriteSettings(Utf8JsonWriter w, ReduceLROnPlateau? plateau)
    {
        if (plateau is null)
        {
            return;
        }

        w.WriteStartObject("reduce_lr_on_plateau");
        w.WriteNumber("factor", plateau.Factor);
        w.WriteNumber("patience", plateau.Patience);
        w.WriteNumber("min_delta", plateau.MinDelta);
        w.WriteNumber("cooldown", plateau.Cooldown);
        w.WriteNumber("min_lr", plateau.MinRate);
        w.WriteEndObject();
    }

    /// <summary>The plateau's settings from a checkpoint's settings object, or null.</summary>
    public static ReduceLROnPlateau? ReadSettings(JsonElement settings, string where)
    {
        if (JsonConfig.Member(settings, "reduce_lr_on_plateau") is not { } p)
        {
            return null;
        }

        string at = where + ".reduce_lr_on_plateau";
        try
        {
            return new ReduceLROnPlateau(Number(p, "factor", at, 0.1), JsonConfig.Int(p, "patience", at, 10), Number(p, "min_delta", at, 1e-4),
                JsonConfig.Int(p, "cooldown", at, 0), Number(p, "min_lr", at, 0));
        }
        catch (ModelException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {at} is invalid: {e.Message}", e);
        }
    }

    /// <summary>The plateau's state, in the checkpoint object.</summary>
    public static void WriteState(Utf8JsonWriter w, PlateauState? state)
    {
        if (state is null)
        {
            return;
        }

        w.WriteStartObject("plateau");
        if (state.Best is { } best)
        {
            w.WritePropertyName("best");
            JsonConfig.WriteDouble(w, best);
        }

        w.WriteNumber("wait", state.Wait);
        w.WriteNumber("cooldown_counter", state.CooldownCounter);
        w.WriteEndObject();
    }

    /// <summary>The plateau's state from a checkpoint object, or null.</summary>
    public static PlateauState? ReadState(JsonElement checkpoint, string where)
    {
        if (JsonConfig.Member(checkpoint, "plateau") is not { } p)
        {
            return null;
        }

        string at = where + ".plateau";
        double? best = JsonConfig.Member(p, "best") is { } b ? JsonConfig.ReadDouble(b, at + ".best") : null;
        int wait = JsonConfig.Int(p, "wait", at, 0), cooldown = JsonConfig.Int(p, "cooldown_counter", at, 0);
        if (wait < 0 || cooldown < 0)
        {
            throw JsonConfig.Bad(at, "wait and cooldown_counter ≥ 0");
        }

        return new PlateauState { Best = best, Wait = wait, CooldownCounter = cooldown };
    }

    private static double Number(JsonElement c, string key, string where, double? fallback = null) =>
        JsonConfig.Member(c, key) is { } v ? JsonConfig.ReadDouble(v, $"{where}.{key}")
            : fallback ?? throw JsonConfig.Bad($"{where}.{key}", "a number (it is missing)");

    private static double[] Numbers(JsonElement c, string key, string where)
    {
        if (JsonConfig.Member(c, key) is not { ValueKind: JsonValueKind.Array } list)
        {
            throw JsonConfig.Bad($"{where}.{key}", "a list of numbers");
        }

        return [.. list.EnumerateArray().Select((v, i) => JsonConfig.ReadDouble(v, string.Create(CultureInfo.InvariantCulture, $"{where}.{key}[{i}]")))];
    }
}
