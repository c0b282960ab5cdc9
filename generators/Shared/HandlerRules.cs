using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace MitiAgent.Shared
{
    /// <summary>Which rule a handler breaks; the analyzer maps each to a MITI diagnostic.</summary>
    internal enum HandlerRule
    {
        /// <summary>MITI0002: a declaration of the agent class or of a containing type lacks <c>partial</c>.</summary>
        TypeNotPartial,

        /// <summary>MITI0003: a return type, parameter or declaring context the dispatch cannot handle.</summary>
        InvalidSignature,

        /// <summary>MITI0004: <c>async void</c>.</summary>
        AsyncVoid,

        /// <summary>MITI0006: a generic method.</summary>
        Generic,

        /// <summary>MITI0009: the class already implements <c>IMitiAgentHandler</c>.</summary>
        AlreadyImplementsHandler,

        /// <summary>MITI0010: an attribute argument other than <c>MsgType</c> on <c>[OnMessage]</c>/<c>[OnGroupAt]</c>.</summary>
        UnsupportedAttributeArgument,

        /// <summary>The attribute does not bind (wrong argument type, unknown name, applied twice): the compiler reports it.</summary>
        ReportedByCompiler,
    }

    /// <summary>One broken rule, where to point, and the message arguments of its diagnostic.</summary>
    internal sealed class HandlerProblem
    {
        public HandlerProblem(HandlerRule rule, Location location, params object[] arguments)
        {
            Rule = rule;
            Location = location;
            Arguments = arguments;
        }

        public HandlerRule Rule { get; }

        public Location Location { get; }

        public object[] Arguments { get; }

        /// <summary>Whether the problem belongs to a type (reported once per type, not once per handler).</summary>
        public bool IsTypeLevel => Rule is HandlerRule.TypeNotPartial or HandlerRule.AlreadyImplementsHandler;
    }

    /// <summary>One handler attribute on a method.</summary>
    internal readonly struct HandlerAttributeInfo
    {
        public HandlerAttributeInfo(HandlerKind kind, AttributeData data, string? msgType)
        {
            Kind = kind;
            Data = data;
            MsgType = msgType;
        }

        public HandlerKind Kind { get; }

        public AttributeData Data { get; }

        /// <summary>The <c>MsgType</c> filter (<see langword="null"/> when unfiltered or not applicable).</summary>
        public string? MsgType { get; }
    }

    /// <summary>How the generated dispatch calls a valid handler.</summary>
    internal sealed class HandlerSignature
    {
        public HandlerSignature(bool isStatic, HandlerReturn returns, ImmutableArray<HandlerArgument> arguments)
        {
            IsStatic = isStatic;
            Return = returns;
            Arguments = arguments;
        }

        public bool IsStatic { get; }

        public HandlerReturn Return { get; }

        /// <summary>What to pass for each parameter, in declaration order.</summary>
        public ImmutableArray<HandlerArgument> Arguments { get; }
    }

    /// <summary>The verdict on one method: its handler attributes and either a signature or the problems.</summary>
    internal sealed class HandlerClassification
    {
        public HandlerClassification(ImmutableArray<HandlerAttributeInfo> attributes, HandlerSignature? signature, ImmutableArray<HandlerProblem> problems)
        {
            Attributes = attributes;
            Signature = signature;
            Problems = problems;
        }

        public ImmutableArray<HandlerAttributeInfo> Attributes { get; }

        /// <summary>The signature when <see cref="Problems"/> is empty; otherwise <see langword="null"/>.</summary>
        public HandlerSignature? Signature { get; }

        public ImmutableArray<HandlerProblem> Problems { get; }
    }

    /// <summary>
    /// The one copy of the handler rules. The generator wires a method when <see cref="Classify"/> returns a signature;
    /// the analyzers report the problems it returns otherwise. A method with several handler attributes is judged as a
    /// whole: it must be valid for every one of them (its event parameter must fit each kind).
    /// </summary>
    internal static class HandlerRules
    {
        /// <summary>The handler attributes on <paramref name="method"/>, in source order.</summary>
        public static ImmutableArray<HandlerAttributeInfo> GetHandlerAttributes(IMethodSymbol method, KnownTypes types)
        {
            // Counted first so the result is one exact-size array (usually of one): a growing builder cost ~250 B per
            // handler, on every compilation, for each of the generator's handler transforms.
            ImmutableArray<AttributeData> all = method.GetAttributes();
            int count = 0;
            AttributeData? single = null;
            HandlerKind singleKind = default;
            foreach (AttributeData attribute in all)
            {
                if (types.KindOf(attribute.AttributeClass) is HandlerKind kind)
                {
                    count++;
                    single = attribute;
                    singleKind = kind;
                }
            }

            if (count == 0)
            {
                return ImmutableArray<HandlerAttributeInfo>.Empty;
            }

            if (count == 1)
            {
                return ImmutableArray.Create(new HandlerAttributeInfo(singleKind, single!, ReadMsgType(singleKind, single!)));
            }

            ImmutableArray<HandlerAttributeInfo>.Builder builder = ImmutableArray.CreateBuilder<HandlerAttributeInfo>(count);
            foreach (AttributeData attribute in all)
            {
                if (types.KindOf(attribute.AttributeClass) is HandlerKind kind)
                {
                    builder.Add(new HandlerAttributeInfo(kind, attribute, ReadMsgType(kind, attribute)));
                }
            }

            return builder.MoveToImmutable();
        }

        // The problem list of the running Classify, reused by the thread: a valid handler (the generator's common case,
        // on every handler of every compilation) then allocates no list.
        [ThreadStatic]
        private static List<HandlerProblem>? t_problems;

        /// <summary>Judges <paramref name="method"/> (which carries at least one handler attribute) against every rule.</summary>
        public static HandlerClassification Classify(IMethodSymbol method, KnownTypes types, CancellationToken cancellationToken) =>
            Classify(method, declaration: null, types, cancellationToken);

        /// <summary>
        /// Judges <paramref name="method"/> against every rule; <paramref name="declaration"/> is one of its declarations
        /// when the caller has it (the generator's attribute target), saving a walk of its syntax references.
        /// </summary>
        public static HandlerClassification Classify(IMethodSymbol method, MethodDeclarationSyntax? declaration, KnownTypes types, CancellationToken cancellationToken)
        {
            HandlerSignature? signature = Judge(method, declaration, types, keepProblems: true, out ImmutableArray<HandlerAttributeInfo> attributes, out ImmutableArray<HandlerProblem> problems, cancellationToken);
            return new HandlerClassification(attributes, signature, problems);
        }

        /// <summary>
        /// The generator's question, the same verdict as <see cref="Classify(IMethodSymbol, MethodDeclarationSyntax?, KnownTypes, CancellationToken)"/>
        /// without its problems or the classification object (asked for every handler of every compilation): the
        /// signature when every rule holds, otherwise <see langword="null"/>.
        /// </summary>
        public static HandlerSignature? SignatureOf(
            IMethodSymbol method,
            MethodDeclarationSyntax? declaration,
            KnownTypes types,
            out ImmutableArray<HandlerAttributeInfo> attributes,
            CancellationToken cancellationToken) =>
            Judge(method, declaration, types, keepProblems: false, out attributes, out _, cancellationToken);

        private static HandlerSignature? Judge(
            IMethodSymbol method,
            MethodDeclarationSyntax? declaration,
            KnownTypes types,
            bool keepProblems,
            out ImmutableArray<HandlerAttributeInfo> attributes,
            out ImmutableArray<HandlerProblem> problems,
            CancellationToken cancellationToken)
        {
            attributes = GetHandlerAttributes(method, types);
            List<HandlerProblem> found = t_problems ?? new List<HandlerProblem>();
            t_problems = null;
            try
            {
                HandlerSignature? signature = ClassifyCore(method, declaration, attributes, types, found, cancellationToken);
                bool valid = found.Count == 0 && signature is not null;
                problems = valid || !keepProblems ? ImmutableArray<HandlerProblem>.Empty : found.ToImmutableArray();
                return valid ? signature : null;
            }
            finally
            {
                found.Clear();
                t_problems = found;
            }
        }

        /// <summary>
        /// The problems of <paramref name="type"/> itself as the class of handlers (<paramref name="isAgent"/>) or as a
        /// type containing one: every declaration must be <c>partial</c>; an agent class must not implement
        /// <c>IMitiAgentHandler</c> already (the generator writes that implementation).
        /// </summary>
        public static ImmutableArray<HandlerProblem> TypeProblems(INamedTypeSymbol type, bool isAgent, KnownTypes types, CancellationToken cancellationToken)
        {
            ImmutableArray<HandlerProblem> all = types.CachedTypeProblems(type, cancellationToken);
            if (isAgent || all.IsEmpty)
            {
                return all;
            }

            return all.RemoveAll(static p => p.Rule == HandlerRule.AlreadyImplementsHandler);
        }

        internal static ImmutableArray<HandlerProblem> ComputeTypeProblems(INamedTypeSymbol type, KnownTypes types, CancellationToken cancellationToken)
        {
            ImmutableArray<HandlerProblem>.Builder? problems = null;
            Location? first = null;
            bool generatedHere = false;
            foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
            {
                if (IsDispatchGeneratorOutput(reference.SyntaxTree))
                {
                    // The analyzers see the generator's own partial declaration (which adds IMitiAgentHandler); it is
                    // neither the user's declaration nor their implementation of the interface.
                    generatedHere = true;
                    continue;
                }

                if (reference.GetSyntax(cancellationToken) is not TypeDeclarationSyntax declaration)
                {
                    continue;
                }

                first ??= declaration.Identifier.GetLocation();
                if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    (problems ??= ImmutableArray.CreateBuilder<HandlerProblem>()).Add(
                        new HandlerProblem(HandlerRule.TypeNotPartial, declaration.Identifier.GetLocation(), type.Name));
                }
            }

            if (first is null)
            {
                // Not declared in source: the generated code could not reopen it.
                (problems ??= ImmutableArray.CreateBuilder<HandlerProblem>()).Add(
                    new HandlerProblem(HandlerRule.TypeNotPartial, type.Locations.Length > 0 ? type.Locations[0] : Location.None, type.Name));
            }

            // When the generator wrote a declaration for this type it found no hand-written implementation (it skips
            // such classes), so the interface the compilation now shows is the generated one.
            foreach (INamedTypeSymbol implemented in generatedHere ? ImmutableArray<INamedTypeSymbol>.Empty : type.AllInterfaces)
            {
                if (KnownTypes.Is(implemented, types.HandlerInterface))
                {
                    (problems ??= ImmutableArray.CreateBuilder<HandlerProblem>()).Add(
                        new HandlerProblem(HandlerRule.AlreadyImplementsHandler, first ?? Location.None, type.Name));
                    break;
                }
            }

            return problems is null ? ImmutableArray<HandlerProblem>.Empty : problems.ToImmutable();
        }

        /// <summary>
        /// Whether <paramref name="tree"/> is a source added by <c>MitiAgent.Generators.MitiDispatchGenerator</c>: Roslyn
        /// names generated trees <c>{generator assembly}/{generator type}/{hint name}</c>.
        /// </summary>
        private static bool IsDispatchGeneratorOutput(SyntaxTree tree) =>
            tree.FilePath.IndexOf("MitiAgent.Generators.MitiDispatchGenerator", StringComparison.Ordinal) >= 0;

        private static HandlerSignature? ClassifyCore(
            IMethodSymbol method,
            MethodDeclarationSyntax? declaration,
            ImmutableArray<HandlerAttributeInfo> attributes,
            KnownTypes types,
            List<HandlerProblem> problems,
            CancellationToken cancellationToken)
        {
            // Locations are made only for problems: a valid handler (the generator's common case) allocates none.
            if (method.MethodKind == MethodKind.LocalFunction)
            {
                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, FirstLocation(method), method.Name, "a local function cannot be a handler; make it a method of the class"));
                return null;
            }

            // DeclaringSyntaxReferences builds new arrays on every call: only walked when the caller has no declaration.
            if (declaration is null)
            {
                foreach (SyntaxReference reference in method.DeclaringSyntaxReferences)
                {
                    if (reference.GetSyntax(cancellationToken) is MethodDeclarationSyntax candidate)
                    {
                        declaration = candidate;
                        break;
                    }
                }
            }

            if (declaration is null || method.MethodKind != MethodKind.Ordinary)
            {
                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, FirstLocation(method), method.Name, "only ordinary methods can be handlers"));
                return null;
            }

            SyntaxToken identifier = declaration.Identifier;
            INamedTypeSymbol? agentType = method.ContainingType;
            if (agentType is not { TypeKind: TypeKind.Class })
            {
                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, identifier.GetLocation(), method.Name, "handlers must be declared in a class"));
                return null;
            }

            if (agentType.IsStatic)
            {
                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, identifier.GetLocation(), method.Name, "handlers cannot be declared in a static class"));
                return null;
            }

            if (agentType.IsImplicitlyDeclared)
            {
                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, identifier.GetLocation(), method.Name, "handlers must be declared in a named class"));
                return null;
            }

            if (method.IsGenericMethod)
            {
                Location location = declaration.TypeParameterList?.GetLocation() ?? identifier.GetLocation();
                problems.Add(new HandlerProblem(HandlerRule.Generic, location, method.Name));
            }

            HandlerReturn? returns = ReadReturn(method, declaration, types, problems);
            ImmutableArray<HandlerArgument> arguments = ReadParameters(method, attributes, types, problems, cancellationToken);
            CheckAttributes(method, attributes, problems, cancellationToken);
            for (INamedTypeSymbol? type = agentType; type is not null; type = type.ContainingType)
            {
                // Not AddRange: it would box the (usually empty) array once per type and handler.
                foreach (HandlerProblem problem in TypeProblems(type, isAgent: ReferenceEquals(type, agentType), types, cancellationToken))
                {
                    problems.Add(problem);
                }
            }

            return returns is null || arguments.IsDefault ? null : new HandlerSignature(method.IsStatic, returns.Value, arguments);
        }

        private static HandlerReturn? ReadReturn(IMethodSymbol method, MethodDeclarationSyntax declaration, KnownTypes types, List<HandlerProblem> problems)
        {
            if (method.ReturnsVoid)
            {
                if (method.IsAsync)
                {
                    problems.Add(new HandlerProblem(HandlerRule.AsyncVoid, declaration.ReturnType.GetLocation(), method.Name));
                    return null;
                }

                return HandlerReturn.Void;
            }

            ITypeSymbol returnType = method.ReturnType;
            if (!method.ReturnsByRef && !method.ReturnsByRefReadonly && method.ReturnNullableAnnotation != NullableAnnotation.Annotated)
            {
                if (KnownTypes.Is(returnType, types.Task))
                {
                    return HandlerReturn.Task;
                }

                if (KnownTypes.Is(returnType, types.ValueTask))
                {
                    return HandlerReturn.ValueTask;
                }
            }

            problems.Add(new HandlerProblem(
                HandlerRule.InvalidSignature,
                declaration.ReturnType.GetLocation(),
                method.Name,
                "the return type '" + returnType.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat) + "' is not Task, ValueTask or void"));
            return null;
        }

        /// <summary>The argument of each parameter, or a default array when a parameter cannot be supplied.</summary>
        private static ImmutableArray<HandlerArgument> ReadParameters(
            IMethodSymbol method,
            ImmutableArray<HandlerAttributeInfo> attributes,
            KnownTypes types,
            List<HandlerProblem> problems,
            CancellationToken cancellationToken)
        {
            bool valid = true;
            bool errorOnly = AllAre(attributes, HandlerKind.Error);
            // Read once: the public Parameters (and, in a nullable context, each Type) is a new wrapper on every access.
            ImmutableArray<IParameterSymbol> parameters = method.Parameters;
            ImmutableArray<HandlerArgument>.Builder arguments = ImmutableArray.CreateBuilder<HandlerArgument>(parameters.Length);
            foreach (IParameterSymbol parameter in parameters)
            {
                ITypeSymbol type = parameter.Type;
                HandlerArgument? argument;
                string problem;
                if (parameter.RefKind != RefKind.None || parameter.IsParams)
                {
                    argument = null;
                    problem = "parameter '" + parameter.Name + "' must not be ref, out, in or params";
                }
                else if (KnownTypes.Is(type, types.CancellationToken))
                {
                    argument = HandlerArgument.CancellationToken;
                    problem = "only one CancellationToken parameter is allowed";
                }
                else if (KnownTypes.Is(type, types.Client))
                {
                    argument = HandlerArgument.Client;
                    problem = "only one MitiAgentClient parameter is allowed";
                }
                else if (errorOnly && KnownTypes.Is(type, types.Exception))
                {
                    // The exception only as System.Exception: a handler cannot choose which failures it gets.
                    argument = HandlerArgument.Exception;
                    problem = "only one Exception parameter is allowed";
                }
                else if (IsEventFor(type, attributes, types))
                {
                    argument = HandlerArgument.Event;
                    problem = "only one event parameter is allowed";
                }
                else
                {
                    argument = null;
                    problem = "parameter '" + parameter.Name + "' of type '"
                        + type.ToDisplayString(SymbolDisplayFormat.CSharpShortErrorMessageFormat)
                        + "' cannot be supplied; allowed are " + ExpectedEvents(attributes) + (errorOnly ? ", Exception" : string.Empty)
                        + ", CancellationToken and MitiAgentClient";
                }

                if (argument is not null && !arguments.Contains(argument.Value))
                {
                    arguments.Add(argument.Value);
                    continue;
                }

                problems.Add(new HandlerProblem(HandlerRule.InvalidSignature, ParameterLocation(parameter, cancellationToken), method.Name, problem));
                valid = false;
            }

            return valid ? arguments.MoveToImmutable() : default;
        }

        /// <summary>
        /// Whether <paramref name="type"/> is an event every attribute's kind can receive: <c>AgentEvent</c> for all but
        /// <c>[OnError]</c> (only <c>AgentEvent</c>, the failed event may be of any kind); <c>MessageEvent</c> (or a typed
        /// <c>MessageEvent&lt;TContent&gt;</c>) for <c>[OnMessage]</c>, <c>MessageEvent</c> for <c>[OnOverload]</c>;
        /// <c>GroupAtEvent</c>, <c>GroupAtEvent&lt;TContent&gt;</c> or <c>MessageEvent</c> for <c>[OnGroupAt]</c>;
        /// <c>CancelEvent</c> for <c>[OnCancel]</c>.
        /// </summary>
        private static bool IsEventFor(ITypeSymbol type, ImmutableArray<HandlerAttributeInfo> attributes, KnownTypes types)
        {
            foreach (HandlerAttributeInfo attribute in attributes)
            {
                bool matches = attribute.Kind switch
                {
                    HandlerKind.GroupAt => KnownTypes.Is(type, types.GroupAtEvent) || KnownTypes.Is(type, types.MessageEvent)
                        || MitiAgent.Generators.ContentTypeRules.TypedEventContent(type, "GroupAtEvent") is not null,
                    HandlerKind.Message => KnownTypes.Is(type, types.MessageEvent)
                        || MitiAgent.Generators.ContentTypeRules.TypedEventContent(type, "MessageEvent") is not null,
                    HandlerKind.Cancel => KnownTypes.Is(type, types.CancelEvent),
                    HandlerKind.Error => false,
                    _ => KnownTypes.Is(type, types.MessageEvent),
                };
                if (!matches && !KnownTypes.Is(type, types.AgentEvent))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The event types <see cref="IsEventFor"/> accepts, for the message (built only for an invalid handler).</summary>
        private static string ExpectedEvents(ImmutableArray<HandlerAttributeInfo> attributes)
        {
            var names = new List<string>();
            foreach (HandlerAttributeInfo attribute in attributes)
            {
                switch (attribute.Kind)
                {
                    case HandlerKind.GroupAt:
                        AddOnce(names, "GroupAtEvent");
                        AddOnce(names, "GroupAtEvent<TContent>");
                        AddOnce(names, "MessageEvent");
                        break;
                    case HandlerKind.Message:
                        AddOnce(names, "MessageEvent");
                        AddOnce(names, "MessageEvent<TContent>");
                        break;
                    case HandlerKind.Cancel:
                        AddOnce(names, "CancelEvent");
                        break;
                    case HandlerKind.Error:
                        break;
                    default:
                        AddOnce(names, "MessageEvent");
                        break;
                }
            }

            AddOnce(names, "AgentEvent");
            return string.Join(", ", names);
        }

        /// <summary>
        /// The attribute arguments the generated dispatch understands: none, or <c>MsgType</c> (a string or null) on
        /// <c>[OnMessage]</c>/<c>[OnGroupAt]</c>. Anything else would be silently ignored, so it is a problem.
        /// </summary>
        private static void CheckAttributes(IMethodSymbol method, ImmutableArray<HandlerAttributeInfo> attributes, List<HandlerProblem> problems, CancellationToken cancellationToken)
        {
            for (int i = 0; i < attributes.Length; i++)
            {
                HandlerAttributeInfo attribute = attributes[i];
                AttributeData data = attribute.Data;
                AttributeSyntax? syntax = data.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
                SeparatedSyntaxList<AttributeArgumentSyntax> written = syntax?.ArgumentList?.Arguments ?? default;

                // An attribute that does not bind (no such constructor or property, a value of the wrong type, applied
                // twice) keeps only part of what was written: the compiler reports it, and the handler is not wired.
                bool bound = data.AttributeConstructor is not null
                    && written.Count == data.ConstructorArguments.Length + data.NamedArguments.Length
                    && !AppearsEarlier(attributes, i);
                foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
                {
                    bound &= named.Value.Kind != TypedConstantKind.Error;
                }

                if (!bound)
                {
                    problems.Add(new HandlerProblem(HandlerRule.ReportedByCompiler, syntax?.GetLocation() ?? FirstLocation(method), method.Name));
                    continue;
                }

                string attributeName = HandlerNames.DisplayName(attribute.Kind);
                foreach (AttributeArgumentSyntax argument in written)
                {
                    string? name = argument.NameEquals?.Name.Identifier.ValueText ?? argument.NameColon?.Name.Identifier.ValueText;
                    bool supported = argument.NameEquals is not null
                        && name == HandlerNames.MsgType
                        && HandlerNames.HasMsgType(attribute.Kind)
                        && IsStringOrNull(data, name);
                    if (!supported)
                    {
                        problems.Add(new HandlerProblem(
                            HandlerRule.UnsupportedAttributeArgument,
                            argument.GetLocation(),
                            name ?? argument.ToString(),
                            attributeName,
                            method.Name));
                    }
                }
            }
        }

        private static bool IsStringOrNull(AttributeData data, string name)
        {
            foreach (KeyValuePair<string, TypedConstant> named in data.NamedArguments)
            {
                if (named.Key == name)
                {
                    return named.Value.Kind == TypedConstantKind.Primitive && (named.Value.IsNull || named.Value.Value is string);
                }
            }

            return false;
        }

        private static string? ReadMsgType(HandlerKind kind, AttributeData attribute)
        {
            if (!HandlerNames.HasMsgType(kind))
            {
                return null;
            }

            foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
            {
                if (named.Key == HandlerNames.MsgType && named.Value.Kind == TypedConstantKind.Primitive)
                {
                    return named.Value.Value as string;
                }
            }

            return null;
        }

        private static Location FirstLocation(ISymbol symbol) => symbol.Locations.Length > 0 ? symbol.Locations[0] : Location.None;

        private static bool AppearsEarlier(ImmutableArray<HandlerAttributeInfo> attributes, int index)
        {
            for (int i = 0; i < index; i++)
            {
                if (attributes[i].Kind == attributes[index].Kind)
                {
                    return true;
                }
            }

            return false;
        }

        private static bool AllAre(ImmutableArray<HandlerAttributeInfo> attributes, HandlerKind kind)
        {
            foreach (HandlerAttributeInfo attribute in attributes)
            {
                if (attribute.Kind != kind)
                {
                    return false;
                }
            }

            return !attributes.IsEmpty;
        }

        private static void AddOnce(List<string> names, string name)
        {
            if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        private static Location ParameterLocation(IParameterSymbol parameter, CancellationToken cancellationToken)
        {
            foreach (SyntaxReference reference in parameter.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax(cancellationToken) is ParameterSyntax syntax)
                {
                    return syntax.GetLocation();
                }
            }

            return parameter.Locations.Length > 0 ? parameter.Locations[0] : Location.None;
        }
    }
}
