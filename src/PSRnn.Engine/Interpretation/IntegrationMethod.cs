namespace PSRnn.Engine.Interpretation;

/// <summary>Captum's approximation methods of the integrated-gradients path integral.</summary>
public enum IntegrationMethod
{
    /// <summary>Captum's default, "gausslegendre": nodes and weights of Gauss–Legendre quadrature scaled to [0, 1].</summary>
    GaussLegendre,

    /// <summary>"riemann_trapezoid": α = linspace(0, 1, n), weights 1/n halved at both ends (Captum's; they sum to 1 − 1/n).</summary>
    RiemannTrapezoid,

    /// <summary>"riemann_left": α = linspace(0, 1 − 1/n, n), weights 1/n.</summary>
    RiemannLeft,

    /// <summary>"riemann_right": α = linspace(1/n, 1, n), weights 1/n.</summary>
    RiemannRight,

    /// <summary>"riemann_middle": α = linspace(1/(2n), 1 − 1/(2n), n), weights 1/n.</summary>
    RiemannMiddle,
}
