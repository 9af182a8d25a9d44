//! [`Chain`]: a node's ancestor chain as the graph keeps it, beside the nodes: a short chain (the
//! depth of most hierarchies) inline, a long one on the heap, so reading a chain costs one
//! cache line of a dense array instead of the node and then its chain.

/// Longest chain held inline.
const INLINE: usize = 6;

/// The node then its ancestors, nearest first, when every one of them has at most one parent;
/// [`Chain::None`] otherwise. Ancestor `a` of a node is at position `len - len(a's chain)`, so
/// membership is one comparison.
#[derive(Clone, Debug, Default)]
pub(super) enum Chain {
    /// Several parents somewhere above (or a removed node): no chain.
    #[default]
    None,
    Inline(u32, [u32; INLINE]),
    Heap(Box<[u32]>),
}

impl Chain {
    pub(super) fn new(nodes: &[u32]) -> Self {
        if nodes.len() <= INLINE {
            let mut a = [0u32; INLINE];
            a[..nodes.len()].copy_from_slice(nodes);
            Chain::Inline(nodes.len() as u32, a)
        } else {
            Chain::Heap(nodes.into())
        }
    }

    /// The chain, or `None`.
    #[inline]
    pub(super) fn get(&self) -> Option<&[u32]> {
        match self {
            Chain::None => None,
            Chain::Inline(len, a) => a.get(..*len as usize),
            Chain::Heap(b) => Some(b),
        }
    }
}

impl PartialEq for Chain {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}
