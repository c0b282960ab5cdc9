namespace System.Runtime.CompilerServices
{
    /// <summary>Lets records with init accessors compile on netstandard2.0.</summary>
    internal static class IsExternalInit
    {
    }
}
