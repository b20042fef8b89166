package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** CPU and memory requests and limits: accepted, and ignored by the local runtime. */
public class ResourceRequirements {
  public Map<String, JsonNode> limits;
  public Map<String, JsonNode> requests;
  public JsonNode claims;
}
