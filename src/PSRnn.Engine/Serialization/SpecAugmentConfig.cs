using System.Text.Json;
using PSRnn.Engine.Layers;

namespace PSRnn.Engine.Serialization;

/// <summary>Reads a SpecAugment layer back from the config <see cref="SpecAugmentLayer.GetConfig"/> writes.</summary>
internal static class SpecAugmentConfig
{
    /// <summary>The layer an entry's config describes.</summary>
    /// <exception cref="ModelConfigException"><c>ModelBadConfig</c>: a value of the wrong type or an unknown mask_value.</exception>
    public static SpecAugmentLayer Create(JsonElement config, string where, string? name)
    {
        string value = JsonConfig.String(config, "mask_value", where, "zero");
        SpecAugmentMaskValue maskValue = value switch
        {
            "zero" => SpecAugmentMaskValue.Zero,
            "mean" => SpecAugmentMaskValue.Mean,
            _ => throw new ModelConfigException("ModelBadConfig", $"The model configuration's {where}.mask_value is '{value}'; it must be 'zero' or 'mean'."),
        };
        double proportion = JsonConfig.Member(config, "time_mask_proportion") is { } p ? JsonConfig.ReadDouble(p, $"{where}.time_mask_proportion") : 1.0;
        return new SpecAugmentLayer(JsonConfig.Int(config, "frequency_masks", where, 0), JsonConfig.Int(config, "frequency_mask_width", where, 0),
            JsonConfig.Int(config, "time_masks", where, 0), JsonConfig.Int(config, "time_mask_width", where, 0), proportion, maskValue, name);
    }
}
