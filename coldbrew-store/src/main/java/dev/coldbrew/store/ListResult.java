package dev.coldbrew.store;

import dev.coldbrew.api.model.Resource;
import java.util.List;

/**
 * The result of {@link Store#list}: the items and the resourceVersion of the snapshot they were
 * read from, the point to {@link Store#watch} from.
 */
public record ListResult(List<Resource> items, long resourceVersion) {
  public ListResult {
    items = List.copyOf(items);
  }
}
