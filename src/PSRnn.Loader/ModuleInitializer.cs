using System.Management.Automation;
using System.Reflection;
using System.Runtime.Loader;

namespace PSRnn.Loader;

/// <summary>
/// Runs when PowerShell imports PSRnn.Loader.dll, the manifest's first nested module, before the cmdlet assembly: routes the cmdlet assembly's references to PSRnn's own assemblies
/// (PSRnn.Engine, PSRnn.Plotting, PSRnn.Serving) to <see cref="DependencyLoadContext"/>, which then loads their dependencies itself.
/// This is the pattern of PowerShell's "Resolving PowerShell module assembly dependency conflicts": the default
/// context's Resolving event answers only for names no other module uses, so it cannot hand PSRnn another module's
/// System.Numerics.Tensors, nor another module PSRnn's.
/// </summary>
public sealed class ModuleInitializer : IModuleAssemblyInitializer
{
    private static readonly object Gate = new();
    private static DependencyLoadContext? _context;

    /// <summary>The context PSRnn's dependencies live in, made at the first import.</summary>
    internal static DependencyLoadContext Context
    {
        get
        {
            lock (Gate)
            {
                if (_context is null)
                {
                    string root = Path.GetDirectoryName(typeof(ModuleInitializer).Assembly.Location) ?? AppContext.BaseDirectory;
                    _context = new DependencyLoadContext(Path.Combine(root, "Dependencies"));
                    // Once per process: Import-Module -Force calls OnImport again on the same loaded assembly.
                    AssemblyLoadContext.Default.Resolving += Resolve;
                }

                return _context;
            }
        }
    }

    /// <inheritdoc />
    public void OnImport() => _ = Context;

    private static Assembly? Resolve(AssemblyLoadContext defaultContext, AssemblyName name) =>
        name.Name is "PSRnn.Engine" or "PSRnn.Plotting" or "PSRnn.Serving" ? Context.LoadFromAssemblyName(name) : null;
}
