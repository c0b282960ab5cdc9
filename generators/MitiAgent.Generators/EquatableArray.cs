using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;

namespace MitiAgent.Generators
{
    /// <summary>
    /// An immutable array compared by its elements, so pipeline models that hold lists stay equatable (and cacheable).
    /// </summary>
    /// <typeparam name="T">The element type; compared with its default equality comparer.</typeparam>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
    {
        private readonly T[]? _items;

        public EquatableArray(T[] items)
        {
            _items = items;
        }

        public EquatableArray(IEnumerable<T> items)
        {
            // A collection (a List, or an ImmutableArray from the handler rules) is copied once, not through a List.
            if (items is ICollection<T> collection)
            {
                _items = collection.Count == 0 ? Array.Empty<T>() : new T[collection.Count];
                collection.CopyTo(_items, 0);
            }
            else
            {
                _items = new List<T>(items).ToArray();
            }
        }

        public static EquatableArray<T> Empty => new(Array.Empty<T>());

        /// <summary>A copy of <paramref name="items"/>, without boxing it as the <see cref="IEnumerable{T}"/> constructor would.</summary>
        public static EquatableArray<T> Of(ImmutableArray<T> items)
        {
            var copy = new T[items.Length];
            items.CopyTo(copy);
            return new EquatableArray<T>(copy);
        }

        public int Count => _items?.Length ?? 0;

        public T this[int index] => (_items ?? Array.Empty<T>())[index];

        public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

        public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

        public bool Equals(EquatableArray<T> other)
        {
            T[] mine = _items ?? Array.Empty<T>();
            T[] theirs = other._items ?? Array.Empty<T>();
            if (mine.Length != theirs.Length)
            {
                return false;
            }

            for (int i = 0; i < mine.Length; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(mine[i], theirs[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            unchecked
            {
                int hash = 17;
                foreach (T item in _items ?? Array.Empty<T>())
                {
                    hash = (hash * 31) + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item));
                }

                return hash;
            }
        }

        public ImmutableArray<T> AsImmutableArray() => ImmutableArray.Create(_items ?? Array.Empty<T>());

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(_items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
