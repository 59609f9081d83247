using System.Reflection;
using System.Runtime.Loader;

namespace PSRnn.Loader;

/// <summary>
/// The AssemblyLoadContext of everything PSRnn depends on: its engine and plotting assemblies and the libraries they use
/// (System.Numerics.Tensors, NWaves, ScottPlot, SkiaSharp, HarfBuzzSharp), all from the module's Dependencies
/// folder. Another module may load other versions of those libraries into the default context; PSRnn never sees them, and
/// they never see PSRnn's.
/// </summary>
internal sealed class DependencyLoadContext : AssemblyLoadContext
{
    private readonly string _folder;

    public DependencyLoadContext(string folder)
        : base("PSRnn", isCollectible: false) => _folder = folder;

    /// <summary>An assembly of the Dependencies folder, loaded here; anything else (the runtime, PowerShell) is left
    /// to the default context by returning null.</summary>
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        string path = Path.Combine(_folder, $"{assemblyName.Name}.dll");
        return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
    }
}
