namespace MitiAgent.Generators
{
    /// <summary>How a property is written back when reading.</summary>
    internal enum ContentSetter
    {
        None = 0,
        Set = 1,
        Init = 2,
    }

    /// <summary>One serialized property of an object type.</summary>
    internal sealed record ContentPropertyModel(
        string Name,
        string TypeName,
        string DeclaringTypeName,
        string? JsonName,
        string? IgnoreCondition,
        bool IsVirtual,
        ContentSetter Setter,
        bool IsRequired);

    /// <summary>
    /// One argument of the creator: a constructor parameter, or an init-only property set in the object initializer
    /// (as System.Text.Json's own generator does).
    /// </summary>
    internal sealed record ContentParameterModel(
        string Name,
        string TypeName,
        bool IsMemberInitializer,
        bool HasDefaultValue,
        string? DefaultValue);

    /// <summary>One type of a content graph, fully qualified (<c>global::</c>), with what its metadata needs.</summary>
    internal sealed record ContentTypeModel(
        string TypeName,
        ContentKind Kind,
        string? Converter,
        string? ElementTypeName,
        bool HasParameterlessConstructor,
        EquatableArray<ContentPropertyModel> Properties,
        EquatableArray<ContentParameterModel> Parameters);

    /// <summary>What one handler, attribute or <c>Create</c> call contributes: the types of a content graph, or a user context.</summary>
    internal sealed record ContentRootModel(EquatableArray<ContentTypeModel> Types, string? JsonContextTypeName);
}
