using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;

namespace MitiAgent.Generators
{
    /// <summary>How the generated JSON metadata describes one type of a content graph.</summary>
    internal enum ContentKind
    {
        Unsupported = 0,
        Value = 1,
        Nullable = 2,
        Enum = 3,
        Array = 4,
        List = 5,
        Enumerable = 6,
        IList = 7,
        ICollection = 8,
        Dictionary = 9,
        IDictionary = 10,
        IReadOnlyDictionary = 11,
        Object = 12,
    }

    /// <summary>The classification of one type: its kind and, for collections, the element (and key) type.</summary>
    internal readonly struct ContentShape
    {
        public ContentShape(ContentKind kind, string? converter = null, ITypeSymbol? element = null, string? reason = null)
        {
            Kind = kind;
            Converter = converter;
            Element = element;
            Reason = reason;
        }

        public ContentKind Kind { get; }

        /// <summary>For <see cref="ContentKind.Value"/>: the <c>JsonMetadataServices</c> converter property, e.g. <c>StringConverter</c>.</summary>
        public string? Converter { get; }

        /// <summary>The element type (collections, dictionaries' values, <c>Nullable&lt;T&gt;</c>'s underlying type).</summary>
        public ITypeSymbol? Element { get; }

        /// <summary>Why the type cannot be described (<see cref="ContentKind.Unsupported"/>); <see langword="null"/> for an error type.</summary>
        public string? Reason { get; }
    }

    /// <summary>One member of an object type, as the JSON metadata sees it.</summary>
    internal readonly struct ContentMember
    {
        public ContentMember(IPropertySymbol property, string? jsonName, string? ignoreCondition, bool isRequired)
        {
            Property = property;
            JsonName = jsonName;
            IgnoreCondition = ignoreCondition;
            IsRequired = isRequired;
        }

        public IPropertySymbol Property { get; }

        public string? JsonName { get; }

        /// <summary>The <c>JsonIgnoreCondition</c> member name (<c>Always</c>, <c>WhenWritingNull</c>, ...) or <see langword="null"/>.</summary>
        public string? IgnoreCondition { get; }

        public bool IsRequired { get; }
    }

    /// <summary>
    /// Which content types the generator can describe with <c>JsonMetadataServices</c>, shared by the generator (which
    /// writes the metadata) and the analyzer (which reports MITI0011/MITI0012): the same rules, one place.
    /// </summary>
    internal static class ContentTypeRules
    {
        public const string RuntimeNamespace = "MitiAgent";
        public const string BuiltInNamespace = "MitiAgent.Protocol";

        /// <summary>If <paramref name="type"/> is <c>MessageEvent&lt;T&gt;</c> or <c>GroupAtEvent&lt;T&gt;</c> (<paramref name="eventName"/>), its <c>T</c>.</summary>
        public static ITypeSymbol? TypedEventContent(ITypeSymbol type, string eventName)
        {
            if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named
                && named.Name == eventName
                && named.ContainingNamespace is { Name: RuntimeNamespace, ContainingNamespace.IsGlobalNamespace: true })
            {
                return named.TypeArguments[0];
            }

            return null;
        }

        /// <summary>Whether <paramref name="type"/> is one of the SDK's own content shapes (<c>MitiAgent.Protocol</c>), described by its wire context.</summary>
        public static bool IsBuiltIn(ITypeSymbol type) =>
            type is INamedTypeSymbol { ContainingNamespace: { Name: "Protocol", ContainingNamespace: { Name: RuntimeNamespace, ContainingNamespace.IsGlobalNamespace: true } } }
            && type.ContainingAssembly?.Name == "MitiAgent.Protocol";

        /// <summary>The built-in text shapes: the only content a typed handler without <c>MsgType</c> may read.</summary>
        public static bool IsTextShape(ITypeSymbol type) => IsBuiltIn(type) && type.Name is "TextContent" or "AtTextContent";

        /// <summary>The <c>msg_type</c> to suggest for a typed handler without one.</summary>
        public static string SuggestMsgType(ITypeSymbol type)
        {
            if (IsBuiltIn(type))
            {
                switch (type.Name)
                {
                    case "ImageContent":
                        return "image";
                    case "MultimodalContent":
                        return "multimodal";
                    case "StreamFullContent":
                        return "stream_full";
                }
            }

            string name = type.Name;
            var builder = new System.Text.StringBuilder(name.Length + 4);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsUpper(c))
                {
                    if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1]) && char.IsUpper(name[i - 1]))))
                    {
                        builder.Append('_');
                    }

                    builder.Append(char.ToLowerInvariant(c));
                }
                else
                {
                    builder.Append(c);
                }
            }

            return builder.ToString();
        }

        public static ContentShape Classify(ITypeSymbol type, Compilation compilation)
        {
            switch (type.TypeKind)
            {
                case TypeKind.Error:
                    return new ContentShape(ContentKind.Unsupported);
                case TypeKind.Dynamic:
                    return Unsupported("dynamic has no fixed JSON shape");
                case TypeKind.TypeParameter:
                    return Unsupported("an open generic type parameter ('" + type.Name + "')");
                case TypeKind.Array:
                    var array = (IArrayTypeSymbol)type;
                    return array.Rank == 1
                        ? new ContentShape(ContentKind.Array, element: array.ElementType)
                        : Unsupported("a multi-dimensional array");
                case TypeKind.Pointer:
                case TypeKind.FunctionPointer:
                case TypeKind.Delegate:
                    return Unsupported("a pointer or delegate");
            }

            if (type is not INamedTypeSymbol named)
            {
                return Unsupported("a type the generator does not describe");
            }

            string? converter = ValueConverter(named);
            if (converter is not null)
            {
                return new ContentShape(ContentKind.Value, converter);
            }

            if (named.SpecialType == SpecialType.System_Object)
            {
                return Unsupported("object has no fixed JSON shape");
            }

            if (named.IsUnboundGenericType || ContainsTypeParameter(named))
            {
                return Unsupported("an open generic type");
            }

            if (named.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T)
            {
                return new ContentShape(ContentKind.Nullable, element: named.TypeArguments[0]);
            }

            if (named.TypeKind == TypeKind.Enum)
            {
                return Accessible(named, compilation) ?? new ContentShape(ContentKind.Enum);
            }

            if (named.IsGenericType && named.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic")
            {
                ContentKind? collection = (named.Name, named.Arity) switch
                {
                    ("List", 1) => ContentKind.List,
                    ("IReadOnlyList", 1) or ("IEnumerable", 1) or ("IReadOnlyCollection", 1) => ContentKind.Enumerable,
                    ("IList", 1) => ContentKind.IList,
                    ("ICollection", 1) => ContentKind.ICollection,
                    ("Dictionary", 2) => ContentKind.Dictionary,
                    ("IDictionary", 2) => ContentKind.IDictionary,
                    ("IReadOnlyDictionary", 2) => ContentKind.IReadOnlyDictionary,
                    _ => null,
                };
                if (collection is null)
                {
                    return Unsupported("a collection the generator does not describe ('" + named.ToDisplayString() + "'; use an array, List<T>, IReadOnlyList<T> or Dictionary<string, T>)");
                }

                if (named.Arity == 2)
                {
                    if (named.TypeArguments[0].SpecialType != SpecialType.System_String)
                    {
                        return Unsupported("a dictionary whose keys are not strings ('" + named.TypeArguments[0].ToDisplayString() + "')");
                    }

                    return new ContentShape(collection.Value, element: named.TypeArguments[1]);
                }

                return new ContentShape(collection.Value, element: named.TypeArguments[0]);
            }

            switch (named.TypeKind)
            {
                case TypeKind.Interface:
                    return Unsupported("an interface (no constructor to create it with)");
                case TypeKind.Struct:
                    return Unsupported("a struct (use a class or record)");
                case TypeKind.Class:
                    break;
                default:
                    return Unsupported("a type the generator does not describe");
            }

            if (named.IsAbstract)
            {
                return Unsupported("an abstract class (no constructor to create it with)");
            }

            string? ns = named.ContainingNamespace?.ToDisplayString();
            if (ns is not null && (ns == "System" || ns.StartsWith("System.", StringComparison.Ordinal) || ns.StartsWith("Microsoft.", StringComparison.Ordinal)))
            {
                return Unsupported("a framework type the generator does not describe ('" + named.ToDisplayString() + "')");
            }

            ContentShape? inaccessible = Accessible(named, compilation);
            if (inaccessible is not null)
            {
                return inaccessible.Value;
            }

            return FindConstructor(named) is null
                ? Unsupported("no usable constructor (a public parameterless one, a single public one, or one marked [JsonConstructor])")
                : new ContentShape(ContentKind.Object);
        }

        /// <summary>The constructor the metadata creates <paramref name="type"/> with, STJ's rules: [JsonConstructor], else public parameterless, else the only public one.</summary>
        public static IMethodSymbol? FindConstructor(INamedTypeSymbol type)
        {
            IMethodSymbol? parameterless = null;
            IMethodSymbol? single = null;
            int publicCount = 0;
            foreach (IMethodSymbol constructor in type.InstanceConstructors)
            {
                if (HasAttribute(constructor, "System.Text.Json.Serialization.JsonConstructorAttribute")
                    && constructor.DeclaredAccessibility == Accessibility.Public)
                {
                    return constructor;
                }

                if (constructor.DeclaredAccessibility != Accessibility.Public || IsCopyConstructor(type, constructor))
                {
                    continue;
                }

                publicCount++;
                single = constructor;
                if (constructor.Parameters.Length == 0)
                {
                    parameterless = constructor;
                }
            }

            return parameterless ?? (publicCount == 1 ? single : null);
        }

        /// <summary>The serialized members of <paramref name="type"/>: public instance properties with a public getter, most derived first.</summary>
        public static List<ContentMember> GetMembers(INamedTypeSymbol type)
        {
            var members = new List<ContentMember>();
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (ISymbol symbol in current.GetMembers())
                {
                    if (symbol is not IPropertySymbol property
                        || property.IsStatic
                        || property.IsIndexer
                        || property.DeclaredAccessibility != Accessibility.Public
                        || property.GetMethod is not { DeclaredAccessibility: Accessibility.Public }
                        || property.IsImplicitlyDeclared
                        || !names.Add(property.Name))
                    {
                        continue;
                    }

                    if (type.IsRecord && property.Name == "EqualityContract")
                    {
                        continue;
                    }

                    string? jsonName = null;
                    string? ignore = null;
                    bool required = IsRequiredMember(property);
                    foreach (AttributeData attribute in property.GetAttributes())
                    {
                        string? attributeName = attribute.AttributeClass?.ToDisplayString();
                        if (attributeName == "System.Text.Json.Serialization.JsonPropertyNameAttribute"
                            && attribute.ConstructorArguments.Length == 1
                            && attribute.ConstructorArguments[0].Value is string name)
                        {
                            jsonName = name;
                        }
                        else if (attributeName == "System.Text.Json.Serialization.JsonIgnoreAttribute")
                        {
                            ignore = "Always";
                            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                            {
                                if (named.Key == "Condition" && named.Value.Value is int condition)
                                {
                                    ignore = condition switch
                                    {
                                        0 => "Never",
                                        2 => "WhenWritingDefault",
                                        3 => "WhenWritingNull",
                                        4 => "WhenWriting",
                                        5 => "WhenReading",
                                        _ => "Always",
                                    };
                                }
                            }
                        }
                        else if (attributeName == "System.Text.Json.Serialization.JsonRequiredAttribute")
                        {
                            required = true;
                        }
                    }

                    members.Add(new ContentMember(property, jsonName, ignore, required));
                }
            }

            return members;
        }

        /// <summary>
        /// Why <paramref name="root"/> (and every type it reaches) cannot be described, naming the member path, or
        /// <see langword="null"/> when it can (or contains an error type, which the compiler reports).
        /// </summary>
        public static string? WhyNotDescribable(ITypeSymbol root, Compilation compilation)
        {
            if (IsBuiltIn(root))
            {
                return null;
            }

            var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
            return Visit(root, root.Name, compilation, visited);
        }

        private static string? Visit(ITypeSymbol type, string path, Compilation compilation, HashSet<ITypeSymbol> visited)
        {
            if (!visited.Add(type) || IsBuiltIn(type))
            {
                return null;
            }

            ContentShape shape = Classify(type, compilation);
            switch (shape.Kind)
            {
                case ContentKind.Unsupported:
                    return shape.Reason is null ? null : (path == type.Name ? shape.Reason : path + " is " + shape.Reason);
                case ContentKind.Object:
                    foreach (ContentMember member in GetMembers((INamedTypeSymbol)type))
                    {
                        if (member.IgnoreCondition == "Always")
                        {
                            continue;
                        }

                        string? reason = Visit(member.Property.Type, path + "." + member.Property.Name, compilation, visited);
                        if (reason is not null)
                        {
                            return reason;
                        }
                    }

                    return null;
                default:
                    return shape.Element is null ? null : Visit(shape.Element, path + "[]", compilation, visited);
            }
        }

        private static ContentShape? Accessible(INamedTypeSymbol type, Compilation compilation)
        {
            for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
            {
                if (current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal)
                    || !compilation.IsSymbolAccessibleWithin(current, compilation.Assembly))
                {
                    return Unsupported("not accessible to generated code (make '" + current.Name + "' internal or public)");
                }
            }

            return null;
        }

        /// <summary>The C# <c>required</c> modifier (Roslyn 4.3 has no <c>IsRequired</c>): the syntax in source, the marker attribute in metadata.</summary>
        private static bool IsRequiredMember(IPropertySymbol property)
        {
            if (HasAttribute(property, "System.Runtime.CompilerServices.RequiredMemberAttribute"))
            {
                return true;
            }

            foreach (SyntaxReference reference in property.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is Microsoft.CodeAnalysis.CSharp.Syntax.PropertyDeclarationSyntax declaration)
                {
                    foreach (SyntaxToken modifier in declaration.Modifiers)
                    {
                        if (modifier.ValueText == "required")
                        {
                            return true;
                        }
                    }
                }
            }

            return false;
        }

        private static ContentShape Unsupported(string reason) => new(ContentKind.Unsupported, reason: reason);

        private static bool ContainsTypeParameter(INamedTypeSymbol type)
        {
            foreach (ITypeSymbol argument in type.TypeArguments)
            {
                if (argument.TypeKind == TypeKind.TypeParameter || (argument is INamedTypeSymbol inner && ContainsTypeParameter(inner)))
                {
                    return true;
                }
            }

            return type.ContainingType is { } containing && ContainsTypeParameter(containing);
        }

        private static bool IsCopyConstructor(INamedTypeSymbol type, IMethodSymbol constructor) =>
            type.IsRecord && constructor.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(constructor.Parameters[0].Type, type);

        private static bool HasAttribute(ISymbol symbol, string metadataName)
        {
            foreach (AttributeData attribute in symbol.GetAttributes())
            {
                if (attribute.AttributeClass?.ToDisplayString() == metadataName)
                {
                    return true;
                }
            }

            return false;
        }

        private static string? ValueConverter(INamedTypeSymbol type)
        {
            switch (type.SpecialType)
            {
                case SpecialType.System_Boolean: return "BooleanConverter";
                case SpecialType.System_Byte: return "ByteConverter";
                case SpecialType.System_SByte: return "SByteConverter";
                case SpecialType.System_Char: return "CharConverter";
                case SpecialType.System_Int16: return "Int16Converter";
                case SpecialType.System_UInt16: return "UInt16Converter";
                case SpecialType.System_Int32: return "Int32Converter";
                case SpecialType.System_UInt32: return "UInt32Converter";
                case SpecialType.System_Int64: return "Int64Converter";
                case SpecialType.System_UInt64: return "UInt64Converter";
                case SpecialType.System_Single: return "SingleConverter";
                case SpecialType.System_Double: return "DoubleConverter";
                case SpecialType.System_Decimal: return "DecimalConverter";
                case SpecialType.System_String: return "StringConverter";
                case SpecialType.System_DateTime: return "DateTimeConverter";
            }

            switch (type.ToDisplayString())
            {
                case "System.Guid": return "GuidConverter";
                case "System.DateTimeOffset": return "DateTimeOffsetConverter";
                case "System.TimeSpan": return "TimeSpanConverter";
                case "System.Uri": return "UriConverter";
                case "System.DateOnly": return "DateOnlyConverter";
                case "System.TimeOnly": return "TimeOnlyConverter";
                case "System.Text.Json.JsonElement": return "JsonElementConverter";
                default: return null;
            }
        }
    }
}
