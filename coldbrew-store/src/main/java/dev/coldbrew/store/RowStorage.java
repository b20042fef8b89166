package dev.coldbrew.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.store.StoreException.Reason;
import java.io.IOException;
import java.util.Collection;
import java.util.List;

/**
 * What {@link WriteRules} needs from a storage: read the current row of a resource, insert, replace
 * and delete rows, find the rows whose owner references name a uid, and hand out the next
 * resourceVersion. A storage keeps rows as the JSON the rules wrote and indexes them by kind,
 * namespace and name and by owner uid; it decides nothing. The rules call it from one thread at a
 * time, inside whatever unit of atomicity the storage offers (a SQLite savepoint, an in-memory
 * store's lock): a write that throws must leave no trace, so a storage whose methods can fail
 * halfway through a write rolls that write back, versions included. {@code E} is the checked
 * exception the storage's methods throw (SQLite's {@code SQLException}; {@code RuntimeException}
 * for a storage that cannot fail). Implementations need not be thread-safe.
 *
 * @param <E> the exception the storage's methods throw
 */
public interface RowStorage<E extends Exception> {

  /**
   * A stored resource: its key, uid, resourceVersion and JSON (with {@code metadata.uid} and {@code
   * metadata.resourceVersion} equal to the columns). Immutable.
   */
  record Row(
      Kind kind, String namespace, String name, String uid, long resourceVersion, String json) {

    /** The JSON as a new tree the caller may change. */
    public ObjectNode tree() {
      try {
        return (ObjectNode) ResourceCodec.json().readTree(json);
      } catch (IOException e) {
        throw new StoreException(
            Reason.CORRUPT,
            WriteRules.describe(kind, namespace, name) + " is stored unreadable",
            e);
      }
    }
  }

  /** The row of this resource, or null. */
  Row read(Kind kind, String namespace, String name) throws E;

  /** Stores a new row and indexes it under each of {@code ownerUids}. */
  void insert(Row row, Collection<String> ownerUids) throws E;

  /**
   * Replaces the existing row with the same key; {@code ownerUids} replace its owner index entries,
   * or are null when the owner references did not change.
   */
  void replace(Row row, Collection<String> ownerUids) throws E;

  /** Removes the row and its owner index entries. */
  void delete(Row row) throws E;

  /** The rows indexed under owner {@code uid}, ordered by kind name, namespace and name. */
  List<Row> ownedBy(String uid) throws E;

  /** The next resourceVersion of the one increasing sequence (the last one assigned + 1). */
  long nextResourceVersion();
}
