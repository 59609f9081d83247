namespace PSRnn.Engine.Layers;

/// <summary>
/// A value of U floats per sample and step that a cell's forward leaves in the workspace for its backward (a gate after
/// its activation, LSTM's cell state), so that it can be read out after an inference pass without computing it again.
/// </summary>
/// <param name="Name">Its name (PyTorch's: LSTM i, f, g, o, c; GRU z, r, n).</param>
/// <param name="Source">The buffer holding it.</param>
/// <param name="Block">Where it starts in its row, in blocks of U floats.</param>
internal readonly record struct StepValue(string Name, StepValueSource Source, int Block);
