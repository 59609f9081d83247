namespace PSRnn.Engine.Training;

/// <summary>
/// One state array of an optimizer (Keras's optimizer variables), for saving and restoring training.
/// </summary>
/// <param name="ParameterIndex">The index of the parameter in the list given to <see cref="Optimizer.Step"/>.</param>
/// <param name="SlotName">Keras's slot name: <c>momentum</c>, <c>velocity</c>, <c>velocity_hat</c>,
/// <c>average_gradient</c>.</param>
/// <param name="Values">The values, one per element of the parameter (a copy, owned by the record).</param>
public sealed record OptimizerSlot(int ParameterIndex, string SlotName, float[] Values);
