using System.Collections;
using System.Globalization;
using System.Management.Automation;
using PSRnn.Engine.Layers;
using PSRnn.Engine.Models;
using PSRnn.Engine.Training;
using PSRnn.Serving;

namespace PSRnn.Infrastructure;

/// <summary>Invoke-RnnPrediction -Engine OnnxRuntime: finds the native library, makes (or reuses) the session, predicts.</summary>
internal static class OnnxRuntimePrediction
{
    /// <summary>The companion module that carries ONNX Runtime's native CPU libraries.</summary>
    public const string CompanionModule = "PSRnn.OnnxRuntime";

    private static readonly string[] ProviderParameters = ["ExecutionProvider", "DeviceId", "ExecutionProviderOption"];

    /// <summary>Refuses -ExecutionProvider and its kin without -Engine OnnxRuntime: they would be silently ignored.</summary>
    public static void CheckEngineArguments(PSCmdlet cmdlet, PredictionEngine engine)
    {
        if (engine == PredictionEngine.OnnxRuntime)
        {
            return;
        }

        string? given = ProviderParameters.FirstOrDefault(cmdlet.MyInvocation.BoundParameters.ContainsKey);
        if (given is not null)
        {
            cmdlet.ThrowTerminatingError(Errors.Create("ExecutionProviderNeedsOnnxRuntime", ErrorCategory.InvalidArgument, given,
                $"-{given} sets up ONNX Runtime: give it with -Engine OnnxRuntime (PSRnn's own engine runs on this CPU)."));
        }
    }

    /// <summary>The outputs of <paramref name="model"/> for <paramref name="data"/>, computed by ONNX Runtime.</summary>
    public static float[] Run(PSCmdlet cmdlet, Sequential model, Dataset data, string provider, int deviceId, Hashtable? providerOptions,
        int batchSize, int? threadCount)
    {
        if (OnnxRuntimeLibrary.LoadedFrom is null)
        {
            // The first call of the process finds the native library; later ones need not scan the module folders.
            OnnxRuntimeLibrary.Ensure(CompanionRoots(cmdlet));
        }
        var settings = new OnnxRuntimeSettings
        {
            Provider = provider,
            DeviceId = deviceId,
            ProviderOptions = Options(cmdlet, providerOptions),
            ThreadCount = threadCount,
        };
        return OnnxRuntimePredictor.For(model, settings).Predict(data, batchSize);
    }

    // The companion module's folders: next to this module (a build's out/ folder, or the same modules folder), then every
    // PSModulePath entry; a versioned install keeps each version in a folder of its own, newest first.
    private static List<string> CompanionRoots(PSCmdlet cmdlet)
    {
        var roots = new List<string>();
        string? moduleBase = cmdlet.MyInvocation.MyCommand.Module?.ModuleBase;
        var parents = new List<string>();
        if (moduleBase is not null)
        {
            DirectoryInfo given = new(moduleBase);
            // The folder as imported and, when it is a link (a modules folder linking to a build's out/PSRnn), its target.
            DirectoryInfo?[] folders = [given, given.LinkTarget is null ? null : given.ResolveLinkTarget(returnFinalTarget: true) as DirectoryInfo];
            foreach (DirectoryInfo here in folders.OfType<DirectoryInfo>())
            {
                // out/PSRnn or Modules/PSRnn/<version>: the folder holding PSRnn's folder, and for a versioned install the one above.
                if (here.Parent is { } parent)
                {
                    parents.Add(parent.FullName);
                    if (Version.TryParse(here.Name, out _) && parent.Parent is { } modules)
                    {
                        parents.Add(modules.FullName);
                    }
                }
            }
        }

        string? path = Environment.GetEnvironmentVariable("PSModulePath");
        if (path is not null)
        {
            parents.AddRange(path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        }

        foreach (string folder in parents.Distinct(StringComparer.Ordinal))
        {
            string companion = Path.Combine(folder, CompanionModule);
            if (!Directory.Exists(companion))
            {
                continue;
            }

            roots.Add(companion);
            roots.AddRange(Directory.EnumerateDirectories(companion)
                .Where(d => Version.TryParse(Path.GetFileName(d), out _))
                .OrderByDescending(d => Version.Parse(Path.GetFileName(d))));
        }

        return roots;
    }

    private static Dictionary<string, string> Options(PSCmdlet cmdlet, Hashtable? given)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        if (given is null)
        {
            return options;
        }

        foreach (DictionaryEntry entry in given)
        {
            object? value = entry.Value is PSObject wrapped ? wrapped.BaseObject : entry.Value;
            if (value is null)
            {
                cmdlet.ThrowTerminatingError(Errors.Create("ExecutionProviderOptionInvalid", ErrorCategory.InvalidArgument, given,
                    $"-ExecutionProviderOption '{entry.Key}' has no value; ONNX Runtime's provider options are name = value text."));
            }

            options[Convert.ToString(entry.Key, CultureInfo.InvariantCulture)!] = value is bool b ? (b ? "1" : "0")
                : Convert.ToString(value, CultureInfo.InvariantCulture)!;
        }

        return options;
    }
}
