import { emptyTreeHash, nodeHash, type Hash } from './tlog.ts'

/**
 * The RFC 6962 root of leaves added one by one, in O(log n) memory: it keeps only the roots of the
 * perfect subtrees on the right edge (sizes strictly decreasing), so an auditor can recompute the root
 * of millions of entries as they stream in.
 */
export class RootBuilder {
  private readonly edge: Array<{ hash: Hash; size: number }> = []
  size = 0

  add(leafHash: Hash): void {
    let node = { hash: leafHash, size: 1 }
    while (this.edge.length > 0 && this.edge[this.edge.length - 1]!.size === node.size) {
      const left = this.edge.pop()!
      node = { hash: nodeHash(left.hash, node.hash), size: node.size * 2 }
    }
    this.edge.push(node)
    this.size++
  }

  /** MTH of everything added: the edge's subtrees folded right to left. */
  root(): Hash {
    if (this.edge.length === 0) return Buffer.from(emptyTreeHash)
    let hash = this.edge[this.edge.length - 1]!.hash
    for (let i = this.edge.length - 2; i >= 0; i--) hash = nodeHash(this.edge[i]!.hash, hash)
    return hash
  }
}
