module goheapflame/bench/peers/heap26

go 1.21
