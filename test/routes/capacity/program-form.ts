/** A valid program form: weekdays 08:00–18:00, 80/20, two shrinkage categories. */
export function programForm(over: Record<string, string> = {}): Record<string, string> {
  return {
    name: `Support ${crypto.randomUUID().slice(0, 8)}`, channel: "voice", interval_minutes: "15", sl_target: "80", sl_seconds: "20", asa_goal_seconds: "",
    max_occupancy: "85", patience_seconds: "", max_abandon_rate: "", default_aht_seconds: "300",
    ...Object.fromEntries([1, 2, 3, 4, 5].flatMap((d) => [[`open_${d}`, "08:00"], [`close_${d}`, "18:00"]])),
    shrinkage_name_1: "Breaks", shrinkage_percent_1: "12.5", shrinkage_name_2: "Training", shrinkage_percent_2: "5",
    ...over,
  };
}
