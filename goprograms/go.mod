module goprograms

go 1.18
