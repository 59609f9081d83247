using PSRnn.Engine.Models;
using PSRnn.Engine.Training;

namespace PSRnn.Engine.Serialization;

/// <summary>What a model file holds: the model and, for a training checkpoint, the state to resume its run from.</summary>
/// <param name="Model">The model, with its weights, history, loss, and optimizer state when the file has it.</param>
/// <param name="Checkpoint">The run's state when the file is a checkpoint (for <see cref="FitOptions.Resume"/>), else null.</param>
public sealed record LoadedModel(Sequential Model, FitState? Checkpoint);
