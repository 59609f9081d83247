using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Tensors;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Serialization;

/// <summary>
/// Turns a safetensors file into a model for <see cref="ModelFile"/>: parses every JSON entry, builds the layers, then
/// checks every tensor (present, floating point, Keras shape; nothing unexpected) before filling anything in, so a bad file
/// fails as a whole with a <see cref="ModelConfigException"/>.
/// </summary>
internal sealed class ModelReader(SafetensorsFile file)
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public LoadedModel Read()
    {
        IReadOnlyDictionary<string, string> meta = file.Metadata;
        if (!meta.TryGetValue("format_version", out string? version) || !meta.TryGetValue("model_config", out string? modelText))
        {
            throw new ModelConfigException("ModelNotPsrnn",
                "The file is safetensors but holds no PSRnn model (its metadata has no format_version and model_config); " +
                "it may be weights from another tool: build the model with New-RnnModel and set them with Set-RnnLayerWeight.");
        }

        if (version != ModelFile.FormatVersion || (meta.TryGetValue("format", out string? format) && format != ModelFile.FormatName))
        {
            throw new ModelConfigException("ModelUnknownFormatVersion",
                $"The file is model format {(meta.TryGetValue("format", out string? f) ? f : "?")} version {version}; this PSRnn reads " +
                $"{ModelFile.FormatName} version {ModelFile.FormatVersion}. Use the PSRnn version that wrote it, or a newer one.");
        }

        using JsonDocument modelDoc = Parse(modelText, "model_config");
        using JsonDocument? trainingDoc = meta.TryGetValue("training_config", out string? t) ? Parse(t, "training_config") : null;
        using JsonDocument? checkpointDoc = meta.TryGetValue("checkpoint", out string? c) ? Parse(c, "checkpoint") : null;
        using JsonDocument? recipeDoc = meta.TryGetValue(AudioRecipeConfig.Key, out string? r) ? Parse(r, AudioRecipeConfig.Key) : null;
        using JsonDocument? textDoc = meta.TryGetValue(TextRecipeConfig.Key, out string? tr) ? Parse(tr, TextRecipeConfig.Key) : null;

        // Built from the configuration without weight memory (LayerFactory marks the layers WeightsFromFile): the
        // shapes it implies are checked against the file's tensors before anything of that size is allocated.
        Sequential model = Build(modelDoc.RootElement);
        IReadOnlyList<Parameter> parameters = model.Parameters;
        IReadOnlyList<string> paths = ModelFile.ParameterPaths(model);
        var pathSet = new HashSet<string>(paths, StringComparer.Ordinal);

        // Check every tensor before anything is set.
        var weights = new SafetensorsTensor[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            weights[i] = Check(paths[i], parameters[i].Shape);
        }

        JsonElement training = trainingDoc?.RootElement ?? default;
        if (training.ValueKind is not (JsonValueKind.Object or JsonValueKind.Undefined))
        {
            throw JsonConfig.Bad("training_config", "an object");
        }

        var nonTrainable = new HashSet<string>(StringComparer.Ordinal);
        if (JsonConfig.Member(training, "non_trainable") is { } nt)
        {
            foreach (JsonElement p in Array(nt, "training_config.non_trainable"))
            {
                string path = p.ValueKind == JsonValueKind.String ? p.GetString()! : throw JsonConfig.Bad("training_config.non_trainable", "a list of tensor names");
                if (!pathSet.Contains(path))
                {
                    throw JsonConfig.Bad("training_config.non_trainable", $"names of the model's weights ('{path}' is not one)");
                }

                nonTrainable.Add(path);
            }
        }

        RngState[][]? randomStates = ReadRandomStates(training, model);
        ulong streamsUsed = JsonConfig.Member(training, "streams_used") is { } su ? JsonConfig.UInt64(su, "training_config.streams_used") : (ulong)model.Layers.Count;
        Loss? loss = null;
        if (JsonConfig.Member(training, "loss") is { } lossName)
        {
            string name = lossName.ValueKind == JsonValueKind.String ? lossName.GetString()! : throw JsonConfig.Bad("training_config.loss", "a string");
            try
            {
                loss = Losses.FromName(name, LossConfig.Read(training));
            }
            catch (Exception e) when (e is ArgumentException or ModelException)
            {
                throw new ModelConfigException("ModelBadConfig", $"The model configuration's training_config.loss is invalid: {ExceptionText.Plain(e)}", e);
            }
        }

        List<EpochRecord> history = ReadHistory(training);

        // Trainable flags before the optimizer: it gives slots to trainable parameters only.
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].Trainable = !nonTrainable.Contains(paths[i]);
        }

        Optimizer? optimizer = null;
        if (JsonConfig.Member(training, "optimizer") is { } opt)
        {
            optimizer = ReadOptimizer(opt, parameters, paths);
        }

        FitState? checkpoint = checkpointDoc is null ? null : ReadCheckpoint(checkpointDoc.RootElement, model);
        Audio.AudioRecipe? recipe = recipeDoc is null ? null : AudioRecipeConfig.Read(recipeDoc.RootElement);
        Text.TextRecipe? textRecipe = textDoc is null ? null : TextRecipeConfig.Read(textDoc.RootElement);

        string[] unexpected = file.Tensors.Select(x => x.Name).Where(n => !_used.Contains(n)).ToArray();
        if (unexpected.Length > 0)
        {
            throw new ModelConfigException("ModelUnexpectedTensor",
                $"The file has tensors the model does not use: {string.Join(", ", unexpected.Take(5))}{(unexpected.Length > 5 ? ", …" : "")}.");
        }

        // Everything checked; the file holds these values, but F16/BF16 weights double in size: the memory is checked too.
        try
        {
            model.EnsureMemory(null, model.ParameterCount);
        }
        catch (ModelException e)
        {
            throw new ModelConfigException("ModelExceedsMemory", $"The model in the file is too large for this process: {e.Message}", e);
        }

        for (int i = 0; i < parameters.Count; i++)
        {
            weights[i].CopySingleTo(parameters[i].Value);
        }

        if (randomStates is not null)
        {
            for (int l = 0; l < model.Layers.Count; l++)
            {
                IReadOnlyList<Rng> streams = model.Layers[l].RandomStreams;
                for (int s = 0; s < streams.Count; s++)
                {
                    streams[s].SetState(randomStates[l][s]);
                }
            }
        }

        model.StreamsUsed = Math.Max(streamsUsed, (ulong)model.Layers.Count);
        model.ReplaceHistory(history);
        model.Loss = loss;
        model.Optimizer = optimizer;
        model.AudioRecipe = recipe;
        model.TextRecipe = textRecipe;
        return new LoadedModel(model, checkpoint);
    }

    private static JsonDocument Parse(string text, string key)
    {
        try
        {
            JsonDocument doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                doc.Dispose();
                throw JsonConfig.Bad(key, "a JSON object");
            }

            if (JsonConfig.FirstInvalidString(doc.RootElement, key) is { } bad)
            {
                doc.Dispose();
                throw JsonConfig.Bad(bad, "a string of text (it escapes a lone UTF-16 surrogate)");
            }

            return doc;
        }
        catch (JsonException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The metadata entry {key} is not valid JSON: {e.Message}", e);
        }
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement e, string where) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray() : throw JsonConfig.Bad(where, "a list");

    private static Sequential Build(JsonElement root)
    {
        string className = JsonConfig.String(root, "class_name", "model_config", "Sequential");
        if (className != "Sequential")
        {
            throw new ModelConfigException("ModelBadConfig", $"The model is a {className}; PSRnn builds Sequential models.");
        }

        JsonElement config = JsonConfig.RequireObject(root, "config", "model_config");
        JsonElement shape = JsonConfig.Member(config, "input_shape") ?? throw JsonConfig.Bad("model_config.config.input_shape", "a list (it is missing)");
        int?[] dims = Array(shape, "model_config.config.input_shape")
            .Select(d => d.ValueKind == JsonValueKind.Null ? (int?)null
                : d.ValueKind == JsonValueKind.Number && d.TryGetInt32(out int v) && v > 0 ? v
                : throw JsonConfig.Bad("model_config.config.input_shape", "positive integers (time may be null)"))
            .ToArray();
        SampleShape input = dims switch
        {
            [int tokens] => SampleShape.Vector(tokens),
            [var time, int features] => SampleShape.Sequence(time, features),
            _ => throw JsonConfig.Bad("model_config.config.input_shape", "[time, features] or [tokens]"),
        };
        ulong? seed = JsonConfig.Member(config, "seed") is { } s ? JsonConfig.UInt64(s, "model_config.config.seed") : null;
        string? name = JsonConfig.Member(config, "name") is { ValueKind: JsonValueKind.String } n ? n.GetString() : null;
        var model = new Sequential(input, name, seed);
        JsonElement layers = JsonConfig.Member(config, "layers") ?? throw JsonConfig.Bad("model_config.config.layers", "a list (it is missing)");
        if (layers.ValueKind == JsonValueKind.Array && layers.GetArrayLength() > Sequential.MaxLayers)
        {
            throw new ModelConfigException("ModelTooManyLayers", string.Create(CultureInfo.InvariantCulture,
                $"The model configuration lists {layers.GetArrayLength():N0} layers; PSRnn builds models of at most {Sequential.MaxLayers:N0}."));
        }

        int index = 0;
        foreach (JsonElement entry in Array(layers, "model_config.config.layers"))
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"layers[{index}]");
            Layer layer = LayerFactory.Create(entry, where);
            try
            {
                model.Add(layer);
            }
            catch (ModelException e) when (e.ErrorId == "LayerTooLarge")
            {
                throw new ModelConfigException("ModelTooLarge", $"The model configuration's {where} cannot be built: {e.Message}", e);
            }
            catch (Exception e) when (e is ModelException or ArgumentException)
            {
                throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} does not fit the model: {ExceptionText.Plain(e)}", e);
            }

            index++;
        }

        if (index == 0)
        {
            throw JsonConfig.Bad("model_config.config.layers", "a list of at least one layer");
        }

        return model;
    }

    /// <summary>The tensor <paramref name="name"/>, checked: present, floating point, of <paramref name="shape"/>.</summary>
    private SafetensorsTensor Check(string name, IReadOnlyList<int> shape)
    {
        SafetensorsTensor tensor = file.Find(name) ?? throw new ModelConfigException("ModelTensorMissing",
            $"The file has no tensor '{name}', which the model's configuration needs.");
        _used.Add(name);
        if (tensor.DType is not ("F32" or "F16" or "BF16" or "F64"))
        {
            throw new ModelConfigException("ModelTensorDtypeUnsupported",
                $"Tensor '{name}' is {tensor.DType}; weights must be floating point (F32, or F16, BF16, F64 converted to F32).");
        }

        if (!tensor.Shape.SequenceEqual(shape.Select(d => (long)d)))
        {
            throw new ModelConfigException("ModelTensorShapeMismatch",
                $"Tensor '{name}' has shape ({string.Join(", ", tensor.Shape)}); the model's configuration needs ({string.Join(", ", shape)}).");
        }

        return tensor;
    }

    private float[] Tensor(string name, IReadOnlyList<int> shape) => Check(name, shape).ToSingle();

    private static RngState[][]? ReadRandomStates(JsonElement training, Sequential model)
    {
        if (JsonConfig.Member(training, "random_state") is not { } states)
        {
            return null; // a hand-written file: the generators keep their seeded starts
        }

        RngState[][] result = Array(states, "training_config.random_state")
            .Select((layer, l) => Array(layer, $"training_config.random_state[{l}]")
                .Select((s, i) => ModelFile.ReadRng(s, $"training_config.random_state[{l}][{i}]")).ToArray())
            .ToArray();
        if (result.Length != model.Layers.Count || result.Where((r, l) => r.Length != model.Layers[l].RandomStreams.Count).Any())
        {
            throw JsonConfig.Bad("training_config.random_state", "one list of generator states per layer, one per generator");
        }

        return result;
    }

    private static List<EpochRecord> ReadHistory(JsonElement training)
    {
        var history = new List<EpochRecord>();
        if (JsonConfig.Member(training, "history") is not { } list)
        {
            return history;
        }

        int i = 0;
        foreach (JsonElement r in Array(list, "training_config.history"))
        {
            string where = string.Create(CultureInfo.InvariantCulture, $"training_config.history[{i++}]");
            double? valLoss = JsonConfig.Member(r, "val_loss") is { } vl ? JsonConfig.ReadDouble(vl, where + ".val_loss") : null;
            history.Add(new EpochRecord(
                JsonConfig.Int(r, "epoch", where, i),
                JsonConfig.ReadDouble(JsonConfig.Member(r, "loss") ?? throw JsonConfig.Bad(where + ".loss", "a number"), where + ".loss"),
                Metrics(r, "metrics", where) ?? new Dictionary<string, double>(),
                valLoss,
                valLoss is null ? null : Metrics(r, "val_metrics", where) ?? new Dictionary<string, double>(),
                TimeSpan.FromTicks(JsonConfig.Member(r, "duration_ticks") is { ValueKind: JsonValueKind.Number } d && d.TryGetInt64(out long ticks) ? ticks : 0),
                JsonConfig.Float(r, "learning_rate", where, 0f)));
        }

        return history;
    }

    private static Dictionary<string, double>? Metrics(JsonElement record, string key, string where)
    {
        if (JsonConfig.Member(record, key) is not { } m)
        {
            return null;
        }

        if (m.ValueKind != JsonValueKind.Object)
        {
            throw JsonConfig.Bad($"{where}.{key}", "an object of numbers");
        }

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (JsonProperty p in m.EnumerateObject())
        {
            // JSON allows a name twice; ToDictionary threw ArgumentException on it.
            if (!metrics.TryAdd(p.Name, JsonConfig.ReadDouble(p.Value, $"{where}.{key}.{p.Name}")))
            {
                throw JsonConfig.Bad($"{where}.{key}", $"an object that names each metric once ('{p.Name}' is there twice)");
            }
        }

        return metrics;
    }

    private Optimizer ReadOptimizer(JsonElement opt, IReadOnlyList<Parameter> parameters, IReadOnlyList<string> paths)
    {
        const string where = "training_config.optimizer";
        string name = JsonConfig.String(opt, "class_name", where);
        Optimizer optimizer = ScheduleConfig.ReadOptimizer(name, JsonConfig.Member(opt, "config") ?? default, where);
        ulong iterations = JsonConfig.Member(opt, "iterations") is { } it ? JsonConfig.UInt64(it, where + ".iterations") : 0;
        if (iterations > long.MaxValue)
        {
            throw JsonConfig.Bad(where + ".iterations", "at most 2^63 − 1");
        }

        var slots = new List<OptimizerSlot>();
        for (int i = 0; i < parameters.Count; i++)
        {
            if (!parameters[i].Trainable)
            {
                continue;
            }

            foreach (string slot in optimizer.SlotNames)
            {
                slots.Add(new OptimizerSlot(i, slot, Tensor($"optimizer.{paths[i]}.{slot}", parameters[i].Shape)));
            }
        }

        try
        {
            optimizer.SetState(parameters, slots, (long)iterations);
        }
        catch (ArgumentException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} does not fit the model: {ExceptionText.Plain(e)}", e);
        }

        return optimizer;
    }

    private FitState ReadCheckpoint(JsonElement c, Sequential model)
    {
        const string where = "checkpoint";
        // The run's counts bound its epoch loop (epochs_done 2^31 − 1 made it start at int.MinValue): checked like settings.
        int epochsDone = (int)Count(c, "epochs_done", where, null, FitOptions.MaxEpochs);
        RngState shuffle = ModelFile.ReadRng(JsonConfig.RequireObject(c, "shuffle", where), where + ".shuffle");
        double best = JsonConfig.Member(c, "best_monitored") is { } b ? JsonConfig.ReadDouble(b, where + ".best_monitored") : double.PositiveInfinity;
        if (double.IsNaN(best) || double.IsNegativeInfinity(best))
        {
            throw BadSetting(where + ".best_monitored", best, "must be a number or inf (a loss no epoch has beaten yet)");
        }

        int wait = (int)Count(c, "wait", where, 0, epochsDone);

        int[]? order = null;
        if (file.Find("checkpoint.order") is { } o)
        {
            _used.Add(o.Name);
            if (o.DType != "I32" || o.Shape.Count != 1)
            {
                throw new ModelConfigException("ModelTensorShapeMismatch", "Tensor 'checkpoint.order' must be a one-dimensional I32 tensor.");
            }

            order = new int[o.Shape[0]];
            var seen = new bool[order.Length];
            for (int i = 0; i < order.Length; i++)
            {
                int v = BinaryPrimitives.ReadInt32LittleEndian(o.Data.AsSpan(i * 4));
                if ((uint)v >= (uint)order.Length || seen[v])
                {
                    throw JsonConfig.Bad("tensor checkpoint.order", "a permutation of the sample indices");
                }

                seen[v] = true;
                order[i] = v;
            }
        }

        float[]? bestWeights = null;
        if (file.Find("checkpoint.best_weights") is not null)
        {
            long total = model.ParameterCount;
            if (total > System.Array.MaxLength)
            {
                throw new ModelConfigException("ModelTooLarge", "The model has more weights than one array holds, so its checkpoint.best_weights cannot be read.");
            }

            bestWeights = Tensor("checkpoint.best_weights", [(int)total]);
        }

        FitOptions? settings = null;
        if (JsonConfig.Member(c, "settings") is { } s)
        {
            // Every value passes the rule Invoke-RnnTraining's parameters pass (FitOptions.Check), each named if it does not.
            const string at = "checkpoint.settings";
            settings = new FitOptions
            {
                Epochs = (int)Setting(s, "epochs", at, FitSetting.Epochs, 1)!.Value,
                BatchSize = (int)Setting(s, "batch_size", at, FitSetting.BatchSize, 32)!.Value,
                Shuffle = JsonConfig.Bool(s, "shuffle", at, true),
                ValidationSplit = Setting(s, "validation_split", at, FitSetting.ValidationSplit, 0)!.Value,
                EarlyStoppingPatience = Setting(s, "early_stopping_patience", at, FitSetting.EarlyStoppingPatience, null) is { } p ? (int)p : null,
                RestoreBestWeights = JsonConfig.Bool(s, "restore_best_weights", at, false),
                ClipNorm = Setting(s, "clip_norm", at, FitSetting.ClipNorm, null),
                GlobalClipNorm = Setting(s, "global_clip_norm", at, FitSetting.GlobalClipNorm, null),
                ClipValue = Setting(s, "clip_value", at, FitSetting.ClipValue, null),
                TruncatedBptt = Setting(s, "truncated_bptt", at, FitSetting.TruncatedBptt, null) is { } k ? (int)k : null,
                Seed = JsonConfig.Member(s, "seed") is { } sd ? JsonConfig.UInt64(sd, at + ".seed") : null,
                ReduceLROnPlateau = ScheduleConfig.ReadSettings(s, at),
            };
        }

        return new FitState
        {
            EpochsDone = epochsDone,
            Shuffle = shuffle,
            Order = order,
            BestMonitored = best,
            Wait = wait,
            BestWeights = bestWeights,
            Settings = settings,
            SampleWeightDigest = JsonConfig.Member(c, "sample_weight_digest") is not { } digest ? null
                : digest.ValueKind == JsonValueKind.String ? digest.GetString() : throw JsonConfig.Bad(where + ".sample_weight_digest", "a string"),
            Plateau = ScheduleConfig.ReadState(c, where),
        };
    }

    /// <summary>A numeric setting of a checkpoint's run, checked by <see cref="FitOptions.Check"/>; the fallback when absent.</summary>
    private static double? Setting(JsonElement settings, string key, string where, FitSetting setting, double? fallback)
    {
        if (JsonConfig.Member(settings, key) is not { } v)
        {
            return fallback;
        }

        double value = JsonConfig.ReadDouble(v, $"{where}.{key}");
        return FitOptions.Check(setting, value) is { } problem
            ? throw BadSetting($"{where}.{key}", value, $"{problem}, as Invoke-RnnTraining's -{setting}")
            : value;
    }

    /// <summary>A whole count from 0 to <paramref name="max"/>; the fallback when absent (null: required).</summary>
    private static long Count(JsonElement obj, string key, string where, int? fallback, int max)
    {
        if (JsonConfig.Member(obj, key) is not { } v)
        {
            return fallback ?? throw JsonConfig.Bad($"{where}.{key}", "an integer (it is missing)");
        }

        double value = JsonConfig.ReadDouble(v, $"{where}.{key}");
        return value >= 0 && value <= max && value == Math.Floor(value) ? (long)value
            : throw BadSetting($"{where}.{key}", value, string.Create(CultureInfo.InvariantCulture, $"must be a whole number from 0 to {max:N0}"));
    }

    private static ModelConfigException BadSetting(string where, double value, string problem) =>
        new("CheckpointBadSetting", string.Create(CultureInfo.InvariantCulture,
            $"The checkpoint's {where} is {value}; it {problem}. The file is damaged or was not written by PSRnn; resume from another checkpoint."));
}
