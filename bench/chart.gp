# The chart of docs/benchmarks.md: requests/s (top) and p99 latency (bottom) of nginx, psm and
# the Express peer per scenario. bench/run.py passes datafile and outfile with -e.
set terminal pngcairo size 1100,760 font "DejaVu Sans,10"
set output outfile
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set key top right
set xtics nomirror
set xrange [-0.6:4.6]  # five scenario groups
set multiplot layout 2,1 title "psm vs the nginx reference and the Express + Redis peer (same machine, same sitting)"
set ylabel "requests/s"
set format y "%.0f"
plot datafile using 2:xtic(1) title "nginx (return 200)" lc rgb "#4c78a8", \
     '' using 3 title "psm" lc rgb "#f58518", \
     '' using 4 title "Express + Redis" lc rgb "#54a24b"
set ylabel "p99 latency (ms, log)"
set key top left
set logscale y
set yrange [1:*]
set format y "%g"
plot datafile using 5:xtic(1) title "nginx" lc rgb "#4c78a8", \
     '' using 6 title "psm" lc rgb "#f58518", \
     '' using 7 title "Express + Redis" lc rgb "#54a24b"
unset multiplot
