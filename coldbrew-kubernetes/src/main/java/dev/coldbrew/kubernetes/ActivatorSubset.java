package dev.coldbrew.kubernetes;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Knative's consistent subsetting ({@code knative.dev/pkg/hash.ChooseSubset}): which {@code n} of
 * the activators a Revision's public endpoints list in Proxy mode, chosen so that each Revision
 * gets a stable, well-spread subset and adding or removing one activator moves few Revisions.
 *
 * <p>The algorithm, as Knative's: hash every candidate with the target's name (FNV-1a, 64 bits)
 * into a ring of 2048 slots (re-hashing on a collision), sort the slots, then start at an angle
 * hashed from the target and step by another hashed angle, taking at each step the first slot at or
 * after the angle that is not taken yet, until {@code n} are taken. Pure; thread-safe.
 */
public final class ActivatorSubset {
  private static final long UNIVERSE = 1 << 11;
  private static final long FNV_OFFSET = 0xcbf29ce484222325L;
  private static final long FNV_PRIME = 0x100000001b3L;

  private ActivatorSubset() {}

  /**
   * {@code n} members of {@code from} for {@code target}; all of them when {@code n} is 0 or at
   * least their number.
   */
  public static Set<String> choose(Set<String> from, int n, String target) {
    if (n < 0) {
      throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
    }
    if (n == 0 || n >= from.size()) {
      return new TreeSet<>(from);
    }
    List<String> sorted = List.copyOf(new TreeSet<>(from));
    long start = Long.remainderUnsigned(fnv(target + "start-angle-salt"), UNIVERSE);
    long step = Long.remainderUnsigned(fnv(target + "step-angle-salt"), UNIVERSE);
    Map<Long, String> byHash = new HashMap<>();
    long[] pool = new long[sorted.size()];
    for (int i = 0; i < sorted.size(); i++) {
      String candidate = sorted.get(i);
      StringBuilder buf = new StringBuilder(candidate).append(target);
      long h = fnv(buf.toString());
      long slot = Long.remainderUnsigned(h, UNIVERSE);
      while (byHash.containsKey(slot)) {
        buf.append(Long.toHexString(h));
        h = fnv(buf.toString());
        slot = Long.remainderUnsigned(h, UNIVERSE);
      }
      pool[i] = slot;
      byHash.put(slot, candidate);
    }
    Arrays.sort(pool);
    Set<Integer> taken = new LinkedHashSet<>();
    long angle = start;
    while (taken.size() < n) {
      int root = firstAtOrAfter(pool, angle);
      while (taken.contains(root)) {
        root = (root + 1) % pool.length;
      }
      taken.add(root);
      angle = (angle + step) % UNIVERSE;
    }
    Set<String> out = new TreeSet<>();
    for (int i : taken) {
      out.add(byHash.get(pool[i]));
    }
    return out;
  }

  /** The first index whose slot is at or after {@code angle}, wrapping to 0. */
  private static int firstAtOrAfter(long[] pool, long angle) {
    int lo = 0;
    int hi = pool.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (pool[mid] >= angle) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo == pool.length ? 0 : lo;
  }

  /** FNV-1a, 64 bits, of the UTF-8 bytes. */
  static long fnv(String s) {
    long h = FNV_OFFSET;
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      h ^= (b & 0xff);
      h *= FNV_PRIME;
    }
    return h;
  }
}
