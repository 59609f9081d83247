using System.Text.Json;

namespace PSRnn.Engine.Serialization;

/// <summary>Reads a model file's <c>training_config.loss_config</c>: the loss's options (see <c>Loss.Config</c>).</summary>
internal static class LossConfig
{
    /// <summary>The options recorded beside the loss's name, or null when there are none (files before issue 16).</summary>
    /// <exception cref="ModelConfigException">loss_config is not an object of numbers, booleans and text.</exception>
    public static Dictionary<string, object?>? Read(JsonElement training)
    {
        if (JsonConfig.Member(training, "loss_config") is not { } config)
        {
            return null;
        }

        if (config.ValueKind != JsonValueKind.Object)
        {
            throw JsonConfig.Bad("training_config.loss_config", "an object");
        }

        var options = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (JsonProperty p in config.EnumerateObject())
        {
            string where = "training_config.loss_config." + p.Name;
            options[p.Name] = p.Value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String => p.Value.GetString(),
                _ => JsonConfig.ReadDouble(p.Value, where),
            };
        }

        return options;
    }
}
