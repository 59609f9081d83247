namespace PSRnn.Engine.Layers;

/// <summary>
/// What a built recurrent layer's cell declares, for the code that must not switch on the layer type: the workspace
/// estimate reads the buffer widths, the ONNX exporter the operator and gate order.
/// </summary>
/// <param name="Gates">Gates per unit (G = Gates·U).</param>
/// <param name="States">State vectors of U per step (1: h; 2: h and c).</param>
/// <param name="SavedWidth">Floats the cell keeps per sample and step for backward.</param>
/// <param name="SeparateRecurrentGradient">Whether backward keeps a second (B·T, G) gate gradient.</param>
/// <param name="OnnxOperator">The ONNX operator: RNN, GRU or LSTM.</param>
/// <param name="OnnxGateOrder">For each of the ONNX operator's gates, the Keras gate it reads.</param>
internal readonly record struct RecurrentCellInfo(int Gates, int States, int SavedWidth, bool SeparateRecurrentGradient,
    string OnnxOperator, IReadOnlyList<int> OnnxGateOrder);
