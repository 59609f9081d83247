using PSRnn.Engine.Layers;
using PSRnn.Engine.Training;
using PSRnn.Engine.Training.Schedules;

namespace PSRnn.Engine.Tests.Training;

/// <summary>
/// Issue 16's parts together (the review of the merged parts): a learning-rate schedule drives every optimizer,
/// weight decay and SGD's momentum included, with the rate the schedule gives for each step.
/// </summary>
public sealed class Issue16TogetherTests
{
    public static TheoryData<string, float, bool, float?> Configurations()
    {
        var data = new TheoryData<string, float, bool, float?>();
        foreach (string name in Optimizers.Names)
        {
            data.Add(name, 0f, false, null);
            data.Add(name, 0f, false, 0.05f);
        }

        data.Add("sgd", 0.9f, false, null);
        data.Add("sgd", 0.9f, true, 0.05f);
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void EveryOptimizerStepsWithTheScheduleRate(string name, float momentum, bool nesterov, float? weightDecay)
    {
        // A schedule whose rate changes at every step (restarts included), and the same optimizer with its constant
        // rate set by hand before each step to the schedule's: the weights and slots must agree bit for bit.
        var schedule = new CosineDecayRestarts(0.05, 3, 2, 0.7, 0.1);
        Optimizer scheduled = Make(name, momentum, nesterov, weightDecay);
        scheduled.Schedule = schedule;
        Optimizer manual = Make(name, momentum, nesterov, weightDecay);
        Parameter[] a = Parameters();
        Parameter[] b = Parameters();
        var random = new Random(7);
        for (int t = 0; t < 25; t++)
        {
            for (int i = 0; i < a.Length; i++)
            {
                for (int k = 0; k < a[i].Gradient.Length; k++)
                {
                    a[i].Gradient[k] = b[i].Gradient[k] = (float)(random.NextDouble() * 2 - 1);
                }
            }

            Assert.Equal(schedule.RateAt(t), scheduled.LearningRate);
            manual.LearningRate = schedule.RateAt(t);
            scheduled.Step(a);
            manual.Step(b);
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(b[i].Value, a[i].Value);
            }
        }

        Assert.Equal(manual.GetState(b).Select(s => s.Values), scheduled.GetState(a).Select(s => s.Values));
        Assert.Equal(25, scheduled.Iterations);
        Assert.Equal(schedule.RateAt(25), scheduled.LearningRate);
    }

    private static Optimizer Make(string name, float momentum, bool nesterov, float? weightDecay)
    {
        Optimizer optimizer = name == "sgd" ? new Sgd(0.01f, momentum, nesterov) : Optimizers.Create(name);
        optimizer.WeightDecay = weightDecay;
        return optimizer;
    }

    private static Parameter[] Parameters()
    {
        var w = new Parameter("w", 3, 2);
        var bias = new Parameter("b", 2);
        for (int k = 0; k < w.Value.Length; k++)
        {
            w.Value[k] = 0.1f * (k - 2);
        }

        return [w, bias];
    }
}
