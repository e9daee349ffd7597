module typesprog

go 1.26
