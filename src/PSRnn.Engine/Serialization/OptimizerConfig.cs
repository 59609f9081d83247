using System.Text.Json;
using PSRnn.Engine.Data;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Serialization;

/// <summary>An optimizer's kind and hyper-parameters as Keras's get_config names them, and back.</summary>
internal static class OptimizerConfig
{
    /// <summary>The config: every hyper-parameter that changes the update rule (floats written as their doubles, exact).</summary>
    public static Dictionary<string, object?> ToConfig(Optimizer optimizer) => optimizer switch
    {
        Adam adam => new()
        {
            ["learning_rate"] = adam.LearningRate,
            ["beta_1"] = adam.Beta1,
            ["beta_2"] = adam.Beta2,
            ["epsilon"] = adam.Epsilon,
            ["amsgrad"] = adam.Amsgrad,
            ["weight_decay"] = adam.WeightDecay,
        },
        RmsProp rms => new()
        {
            ["learning_rate"] = rms.LearningRate,
            ["rho"] = rms.Rho,
            ["momentum"] = rms.MomentumFactor,
            ["epsilon"] = rms.Epsilon,
            ["centered"] = rms.Centered,
            ["weight_decay"] = rms.WeightDecay,
        },
        Sgd sgd => new()
        {
            ["learning_rate"] = sgd.LearningRate,
            ["momentum"] = sgd.Momentum,
            ["nesterov"] = sgd.Nesterov,
            ["weight_decay"] = sgd.WeightDecay,
        },
        Adagrad a => new()
        {
            ["learning_rate"] = a.LearningRate,
            ["initial_accumulator_value"] = a.InitialAccumulatorValue,
            ["epsilon"] = a.Epsilon,
            ["weight_decay"] = a.WeightDecay,
        },
        Adadelta a => new()
        {
            ["learning_rate"] = a.LearningRate,
            ["rho"] = a.Rho,
            ["epsilon"] = a.Epsilon,
            ["weight_decay"] = a.WeightDecay,
        },
        AdaptiveMomentOptimizer a => new()
        {
            ["learning_rate"] = a.LearningRate,
            ["beta_1"] = a.Beta1,
            ["beta_2"] = a.Beta2,
            ["epsilon"] = a.Epsilon,
            ["weight_decay"] = a.WeightDecay,
        },
        _ => throw new ArgumentException($"Cannot save optimizer {optimizer.KerasName}.", nameof(optimizer)),
    };

    /// <summary>A fresh optimizer (no state yet) of the saved kind and hyper-parameters.</summary>
    /// <exception cref="ModelConfigException">An unknown kind or a value out of range.</exception>
    public static Optimizer FromConfig(string name, JsonElement c, string where)
    {
        try
        {
            return name switch
            {
                "adam" => new Adam(JsonConfig.Float(c, "learning_rate", where, 0.001f), JsonConfig.Float(c, "beta_1", where, 0.9f),
                    JsonConfig.Float(c, "beta_2", where, 0.999f), JsonConfig.Float(c, "epsilon", where, 1e-7f),
                    JsonConfig.Bool(c, "amsgrad", where, false), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "adamw" => new AdamW(JsonConfig.Float(c, "learning_rate", where, 0.001f), JsonConfig.Float(c, "weight_decay", where, 0.004f),
                    JsonConfig.Float(c, "beta_1", where, 0.9f), JsonConfig.Float(c, "beta_2", where, 0.999f),
                    JsonConfig.Float(c, "epsilon", where, 1e-7f), JsonConfig.Bool(c, "amsgrad", where, false)),
                "rmsprop" => new RmsProp(JsonConfig.Float(c, "learning_rate", where, 0.001f), JsonConfig.Float(c, "rho", where, 0.9f),
                    JsonConfig.Float(c, "momentum", where, 0f), JsonConfig.Float(c, "epsilon", where, 1e-7f),
                    JsonConfig.Bool(c, "centered", where, false), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "sgd" => new Sgd(JsonConfig.Float(c, "learning_rate", where, 0.01f), JsonConfig.Float(c, "momentum", where, 0f),
                    JsonConfig.Bool(c, "nesterov", where, false), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "adagrad" => new Adagrad(Rate(c, where), JsonConfig.Float(c, "initial_accumulator_value", where, 0.1f),
                    Epsilon(c, where), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "adadelta" => new Adadelta(Rate(c, where), JsonConfig.Float(c, "rho", where, 0.95f),
                    Epsilon(c, where), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "nadam" => new Nadam(Rate(c, where), JsonConfig.Float(c, "beta_1", where, 0.9f), JsonConfig.Float(c, "beta_2", where, 0.999f),
                    Epsilon(c, where), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                "adamax" => new Adamax(Rate(c, where), JsonConfig.Float(c, "beta_1", where, 0.9f), JsonConfig.Float(c, "beta_2", where, 0.999f),
                    Epsilon(c, where), JsonConfig.OptionalFloat(c, "weight_decay", where)),
                _ => throw new ModelConfigException("ModelBadConfig",
                    $"The model configuration's {where} names optimizer '{name}'; PSRnn has {string.Join(", ", Optimizers.Names)}."),
            };
        }
        catch (ArgumentException e)
        {
            throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where} is invalid: {ExceptionText.Plain(e)}", e);
        }
    }

    private static float Rate(JsonElement c, string where) => JsonConfig.Float(c, "learning_rate", where, 0.001f);

    private static float Epsilon(JsonElement c, string where) => JsonConfig.Float(c, "epsilon", where, 1e-7f);
}
