from aistock.cli import main

main()
