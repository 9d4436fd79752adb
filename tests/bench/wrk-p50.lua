-- SPDX-License-Identifier: MIT
-- wrk prints percentiles rounded to 10 us ("1.05ms"); this prints its p50 in whole us.
done = function(summary, latency, requests)
	io.write(string.format("p50_us %d\n", latency:percentile(50)))
end
