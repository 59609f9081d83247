using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSRnn.Engine.Models;

namespace PSRnn.Infrastructure;

// Tab completion of Keras names. PowerShellStandard 5.1 has no ArgumentCompletionsAttribute, so each list is a small
// IArgumentCompleter named in [ArgumentCompleter(typeof(...))].

/// <summary>Completes from a fixed list of names, case-insensitively by prefix.</summary>
internal abstract class NameCompleter : IArgumentCompleter
{
    protected abstract IReadOnlyList<string> Names { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        return Names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}

internal sealed class ActivationCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = ActivationArgument.Completions.Split(',');
}

internal sealed class GateActivationCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = ["sigmoid", "hard_sigmoid"];
}

internal sealed class OptimizerCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = ["adadelta", "adagrad", "adam", "adamax", "adamw", "nadam", "rmsprop", "sgd"];
}

internal sealed class PrecisionCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = PrecisionArgument.Names;
}

internal sealed class LossCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } =
        ["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse", "mae", "huber", "log_cosh",
         "kl_divergence", "poisson", "cosine_similarity", "categorical_focal_crossentropy", "binary_focal_crossentropy", "ctc"];
}

internal sealed class MetricCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } =
        ["accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "binary_accuracy", "mae", "precision", "recall", "auc",
         "pr_auc", "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy"];
}

internal sealed class WeightNameCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = ["kernel", "recurrent_kernel", "bias", "embeddings"];
}

/// <summary>Completes -Layer with the layer names of the model given as -Model (a variable PowerShell can read while
/// completing), or with Keras's default layer names when the model is not known yet.</summary>
internal sealed class LayerCompleter : IArgumentCompleter
{
    private static readonly string[] KerasNames = ["simple_rnn", "lstm", "gru", "dense", "dropout", "embedding"];

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        object? bound = fakeBoundParameters?["Model"];
        IEnumerable<string> names = (bound is PSObject wrapped ? wrapped.BaseObject : bound) is Sequential model
            ? model.Layers.Select(l => l.Name)
            : KerasNames;
        string prefix = (wordToComplete ?? "").Trim('\'', '"');
        return names.Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            .Select(n => new CompletionResult(n, n, CompletionResultType.ParameterValue, n));
    }
}

internal sealed class ExecutionProviderCompleter : NameCompleter
{
    protected override IReadOnlyList<string> Names { get; } = ["CPU", "CUDA", "DirectML", "TensorRT", "ROCm", "MIGraphX", "DNNL", "OpenVINO", "CoreML", "XNNPACK", "QNN", "WebGPU"];
}
